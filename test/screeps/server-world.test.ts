/**
 * End to end: an unmodified official private server (storage with the launcher's world, engine main,
 * two processors, the runner) whose runner uses this package's driver module, so simplebot players run
 * on the kernel with the engine's game API. Everything runs on loopback in child processes.
 * `SCREEPS_E2E_TICKS` sets the number of ticks (default 300, as the issue asks).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerWorld, type WorldSnapshot } from '../../src/screeps/world/server-world.js';

const TICKS = Number(process.env.SCREEPS_E2E_TICKS ?? 300);
const STORAGE_PORT = Number(process.env.SCREEPS_E2E_STORAGE_PORT ?? 21531);

function creeps(snapshot: WorldSnapshot, username: string) {
  return snapshot.players.find((p) => p.username === username)?.objects.filter((o) => o.type === 'creep') ?? [];
}

describe('the official server with the kernel driver', () => {
  it(`plays simplebot for ${TICKS} ticks: creeps spawned, energy harvested and spent, Memory kept, no runner errors`, { timeout: 30 * 60_000 }, async () => {
    await using world = await ServerWorld.start({
      storagePort: STORAGE_PORT,
      runner: 'kernel',
      extraBots: [{ username: 'KernelBot', room: 'W7N3' }],
      runnerEnv: { KERNEL_POOL_SIZE: '2' },
    });
    const start = await world.gameTime();
    await world.waitTicks(start, TICKS);
    const end = await world.snapshot();
    const runnerLog = world.log('runner');
    assert.match(runnerLog, /Players run on screeps-runtime-kernel/);
    assert.doesNotMatch(runnerLog, /Error in runner loop|Unhandled rejection|kernel runtime did not start/);
    // The launcher's four simplebots and the one placed here as the CLI's bots.spawn does.
    assert.deepEqual(end.players.map((p) => p.username).sort(), ['AliceBot', 'EmmaBot', 'JackBot', 'KernelBot', 'MichaelBot']);
    for (const player of end.players) {
      assert.deepEqual(player.errors, [], `${player.username} got error notifications`);
      assert.ok(creeps(end, player.username).length >= 1, `${player.username} has creeps`);
      const memory = JSON.parse(player.memory ?? '{}') as { creeps?: Record<string, { role?: string }> };
      // simplebot names its creeps in Memory with their roles; Memory crossed every tick through the kernel.
      assert.ok(Object.values(memory.creeps ?? {}).some((c) => c.role === 'harvester'), `${player.username} keeps its harvesters in Memory`);
      const controller = player.objects.find((o) => o.type === 'controller');
      const spawn = player.objects.find((o) => o.type === 'spawn');
      // Energy was harvested: it went into the controller (upgraders) or is carried by creeps, or refilled the spawn.
      const carried = creeps(end, player.username).reduce((sum, c) => sum + (c.store?.energy ?? 0), 0);
      assert.ok((controller?.progress ?? 0) > 0 || (controller?.level ?? 0) > 1 || carried > 0, `${player.username} harvested energy`);
      assert.ok(spawn, `${player.username} still has its spawn`);
    }
  });
});
