/**
 * End to end: an unmodified official private server (storage with the launcher's world, engine main,
 * two processors, the runner; all child processes on loopback) plays simplebot: the launcher's four
 * pre-placed bots and one placed here as the CLI's `bots.spawn` does, with `Math.random` seeded per player
 * and tick by a server mod through the `playerSandbox` event. The same world runs twice, once with the
 * official runner and once with the runner on this package's driver module (the kernel), and both are
 * paused at the same tick. `SCREEPS_E2E_TICKS` sets the player ticks (default 300). Storage listens on a
 * Unix socket in each world's directory.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerWorld, type WorldSnapshot } from '../../src/screeps/world/server-world.js';

const TICKS = Number(process.env.SCREEPS_E2E_TICKS ?? 300);

async function play(runner: 'kernel' | 'official'): Promise<{ start: number; end: WorldSnapshot; runnerLog: string }> {
  await using world = await ServerWorld.start({
    runner,
    extraBots: [{ username: 'KernelBot', room: 'W7N3' }],
    // One runner thread: the official runner's data.js has a cache race between concurrent first runs.
    runnerEnv: { KERNEL_POOL_SIZE: '2', RUNNER_THREADS: '1' },
  });
  const start = await world.gameTime();
  await world.runUntil(start + TICKS);
  return { start, end: await world.snapshot(), runnerLog: world.log('runner') };
}

/** The state compared between the two runtimes: everything but CPU figures and database ids. */
function comparable(snapshot: WorldSnapshot) {
  return {
    gameTime: snapshot.gameTime,
    players: snapshot.players.map(({ lastUsedCpu: _cpu, id: _id, ...rest }) => rest).sort((a, b) => a.username.localeCompare(b.username)),
  };
}

describe('the official server with the kernel driver', () => {
  it(`plays simplebot for ${TICKS} ticks on the kernel and ends in the state the official runner reaches`, { timeout: 60 * 60_000 }, async () => {
    const kernel = await play('kernel');
    assert.match(kernel.runnerLog, /Players run on screeps-runtime-kernel/);
    // The driver's own make.js logs this on its first player: it never ran in the kernel world.
    assert.doesNotMatch(kernel.runnerLog, /Terrain shared buffer size/);
    assert.doesNotMatch(kernel.runnerLog, /Error in runner loop|Unhandled rejection|kernel runtime did not start|saving the tick/);
    const players = kernel.end.players;
    assert.deepEqual(players.map((p) => p.username).sort(), ['AliceBot', 'EmmaBot', 'JackBot', 'KernelBot', 'MichaelBot']);
    for (const player of players) {
      assert.deepEqual(player.errors, [], `${player.username} got error notifications`);
      assert.ok(player.objects.some((o) => o.type === 'creep'), `${player.username} spawned creeps`);
      const harvested = player.sources.reduce((sum, s) => sum + (s.energyCapacity - s.energy), 0);
      assert.ok(harvested > 0, `${player.username} harvested energy`);
      const memory = JSON.parse(player.memory ?? '{}') as { creeps?: Record<string, { role?: string }> };
      assert.ok(Object.values(memory.creeps ?? {}).some((c) => c.role === 'harvester'), `${player.username} keeps its creeps in Memory`);
    }

    const official = await play('official');
    assert.match(official.runnerLog, /Terrain shared buffer size/);
    assert.equal(official.start, kernel.start, 'both worlds start running players at the same tick');
    assert.deepEqual(comparable(kernel.end), comparable(official.end));
  });
});
