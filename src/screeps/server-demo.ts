/**
 * `screeps-kernel server-demo`: an official private-server world (the embedded LokiJS storage with the
 * launcher's world, engine main, processors) whose runner plays simplebot players on the kernel; a
 * progress bar while it runs and a final table. `--runner official` runs the same world on the official
 * runner, for comparison.
 */
import { renderTable } from '../cli/table.js';
import { ServerWorld } from './world/server-world.js';

export interface ServerDemoOptions {
  /** simplebots added to the world's 4 pre-placed ones. */
  readonly bots: number;
  readonly ticks: number;
  /** Loopback TCP port of the storage; a Unix socket when absent. */
  readonly storagePort?: number;
  readonly runner: 'kernel' | 'official';
  readonly poolSize?: number;
  readonly runnerThreads?: number;
}

export async function runServerDemo(options: ServerDemoOptions): Promise<void> {
  const out = process.stdout;
  out.write(`Starting an official server world (storage ${options.storagePort === undefined ? 'on a Unix socket' : `on 127.0.0.1:${options.storagePort}`}, main, 2 processors, runner on the ${options.runner === 'kernel' ? 'kernel' : 'official driver'})...\n`);
  await using world = await ServerWorld.start({
    ...(options.storagePort !== undefined ? { storagePort: options.storagePort } : {}),
    runner: options.runner,
    runnerEnv: {
      ...(options.poolSize !== undefined ? { KERNEL_POOL_SIZE: String(options.poolSize) } : {}),
      // The official runner's threads (default 4, as the launcher's); the kernel runner's players in flight.
      ...(options.runner === 'official' ? { RUNNER_THREADS: String(options.runnerThreads ?? 4) } : options.runnerThreads !== undefined ? { KERNEL_RUNNER_CONCURRENCY: String(options.runnerThreads) } : {}),
    },
  });
  const rooms = await world.freeRooms();
  // Spread over the free rooms, so the bots do not start next to each other.
  const step = Math.max(1, Math.floor(rooms.length / Math.max(1, options.bots)));
  for (let i = 0; i < options.bots; i++) {
    const room = rooms[(i * step) % rooms.length]!;
    await world.placeBot(`Bot${i + 1}`, room);
  }
  const start = await world.gameTime();
  const cpu0 = world.cpuMs('runner');
  const t0 = performance.now();
  let last = '';
  let lastFilled = -1;
  await world.runUntil(start + options.ticks, (time) => {
    const done = Math.min(options.ticks, time - start);
    const width = 30;
    const filled = Math.round((done / options.ticks) * width);
    const line = `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] tick ${done}/${options.ticks}`;
    // On a terminal the bar is redrawn in place; in a log, one line per tenth.
    if (out.isTTY && line !== last) out.write(line);
    else if (!out.isTTY && filled !== lastFilled && filled % 3 === 0) out.write(`${line.slice(1)}\n`);
    last = line;
    lastFilled = filled;
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = world.cpuMs('runner');
  const end = await world.snapshot();
  out.write(`\r[${'#'.repeat(30)}] tick ${options.ticks}/${options.ticks}\n\n`);
  const rows = end.players.map((p) => {
    const controller = p.objects.find((o) => o.type === 'controller');
    return [p.username, controller?.room ?? '-', p.objects.filter((o) => o.type === 'creep').length, controller?.level ?? 0, controller?.progress ?? 0, p.errors.length];
  });
  out.write(renderTable(['player', 'room', 'creeps alive', 'controller level', 'progress', 'errors'], rows) + '\n\n');
  const errors = new Set(end.players.flatMap((p) => p.errors.map((e) => `${p.username}: ${e.split('\n')[0]}`)));
  if (errors.size > 0) out.write(`errors the players were notified of:\n${[...errors].map((e) => `  ${e}`).join('\n')}\n\n`);
  const playerTicks = end.players.length * options.ticks;
  const cpu = cpu0 !== null && cpu1 !== null ? ((cpu1 - cpu0) / playerTicks).toFixed(2) : '-';
  out.write(
    renderTable(
      ['ticks', 'players', 'runner CPU per player-tick (ms)', 'ticks/s', 'creeps alive'],
      [[options.ticks, end.players.length, cpu, (options.ticks / seconds).toFixed(1), end.players.reduce((n, p) => n + p.objects.filter((o) => o.type === 'creep').length, 0)]],
    ) + '\n',
  );
}
