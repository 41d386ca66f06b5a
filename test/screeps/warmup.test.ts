/**
 * The warm-up tick of the official game API (`game-entry.cjs`, `warmupRuntimeData` in bootstrap.ts): each
 * isolate builds one `Game` from a synthetic room while it is set up, so a new player's first tick does
 * not pay for the engine's first-tick work. It must leave nothing a player can tell apart from an isolate
 * without it.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { before, describe, it } from 'node:test';
import { createRuntime, type HostBootstrap, type Runtime } from '../../src/index.js';
import { gameBootstrap, WARMUP_USER, warmupRuntimeData } from '../../src/screeps/bootstrap.js';
import { officialDriver } from '../../src/screeps/official.js';

const require = createRequire(import.meta.url);
const ivm = require('isolated-vm') as typeof import('isolated-vm');

/** Two neighbouring rooms of plain terrain: W2N1 is W1N1's western exit. */
const TERRAIN = [
  { room: 'W1N1', terrain: '0'.repeat(2500) },
  { room: 'W2N1', terrain: '0'.repeat(2500) },
];
const WARMUP_LINE = /globalThis\._warmupRuntimeData = .*;\n/;

/** A player's first tick's runtimeData: the warm-up's room under another user and other ids, both rooms accessible. */
function playerData(userId: string): string {
  const data = warmupRuntimeData('W1N1');
  const text = JSON.stringify(data).replaceAll(WARMUP_USER, userId).replaceAll('"w0', '"p1').replaceAll('w1', 'Harvey').replaceAll('w2', 'Builder');
  const out = JSON.parse(text) as Record<string, unknown>;
  out.accessibleRooms = JSON.stringify(['W1N1', 'W2N1']);
  out.time = 7;
  return JSON.stringify(out);
}

const PROBE = `module.exports.loop = function () {
  console.log(Object.keys(global).join(','));
  console.log(JSON.stringify({
    creeps: Object.keys(Game.creeps), spawns: Object.keys(Game.spawns), rooms: Object.keys(Game.rooms), time: Game.time,
    users: Object.keys(Game.rooms.W1N1.find(FIND_CREEPS).reduce((a, c) => (a[c.owner.username] = 1, a), {})),
    exits: Game.map.describeExits('W2N1'), memory: JSON.stringify(Memory), raw: RawMemory.get(), my: Game.spawns.Spawn1.my,
  }));
};`;

async function firstTickLog(boot: HostBootstrap): Promise<string[]> {
  const runtime: Runtime = await createRuntime({ poolSize: 1, logger: 'silent', spareIsolates: 0, hostBootstrap: boot });
  try {
    const [result] = await runtime.execute([{ userId: 'p1', username: 'Player', gameTime: 7, code: { modules: { main: PROBE }, timestamp: 1 }, hostData: playerData('p1') }]);
    assert.equal(result?.outcome, 'ok', result?.errors.join('\n'));
    return result!.output!.console.log.map((l) => l.message);
  } finally {
    await runtime.close();
  }
}

describe('warm-up tick of the game API (each isolate, before any player)', () => {
  let boot: HostBootstrap;
  before(async () => {
    boot = await gameBootstrap(officialDriver(), TERRAIN);
  });

  it('builds the game in the isolate while it is set up and leaves no per-tick global behind', () => {
    assert.match(boot.source, WARMUP_LINE);
    const isolate = new ivm.Isolate({ memoryLimit: 128 });
    try {
      const context = isolate.createContextSync();
      context.evalSync('globalThis.__kernelHost = {}');
      context.global.setSync('_nativeMod', new ivm.NativeModule(boot.nativeModules!._nativeMod!).createSync(context));
      context.global.setSync('_screepsTerrain', new ivm.ExternalCopy(boot.sharedBuffers!._screepsTerrain!).copyInto({ release: true }));
      context.evalSync(boot.source, { filename: '<screeps-game>' });
      const state = JSON.parse(
        context.evalSync(`JSON.stringify({
          classes: [typeof Creep, typeof StructureSpawn, typeof Room, typeof RoomPosition],
          perTick: [typeof Game, typeof Memory, typeof RawMemory, typeof InterShardMemory, typeof require],
          constants: typeof FIND_CREEPS, warmup: typeof _warmupRuntimeData, keys: Object.keys(globalThis),
        })`) as string,
      ) as { classes: string[]; perTick: string[]; constants: string; warmup: string; keys: string[] };
      // The engine ran: its classes and constants are there, as after a first tick.
      assert.deepEqual(state.classes, ['function', 'function', 'function', 'function']);
      assert.equal(state.constants, 'number');
      // Nothing of the synthetic tick is left in the per-tick globals, and its data is gone from the global.
      assert.deepEqual(state.perTick, ['undefined', 'undefined', 'undefined', 'undefined', 'undefined']);
      assert.equal(state.warmup, 'undefined');
      // The kernel's per-tick globals come before the game's classes, in the order its tick sets them.
      const at = (name: string): number => state.keys.indexOf(name);
      assert.ok(at('RawMemory') < at('InterShardMemory') && at('InterShardMemory') < at('Memory') && at('Memory') < at('Game') && at('Game') < at('Creep'), state.keys.slice(0, 12).join());
    } finally {
      isolate.dispose();
    }
  });

  it("gives a player's first tick the same global, Game, map and Memory as an isolate without it", async () => {
    const warm = await firstTickLog(boot);
    const cold = await firstTickLog({ ...boot, source: boot.source.replace(WARMUP_LINE, '') });
    assert.deepEqual(warm, cold);
    const seen = JSON.parse(warm[1]!) as Record<string, unknown>;
    // The player's own room and creeps; W2N1 has exits only in a map grid built from the player's first
    // tick (the warm-up's tick knows W1N1 alone).
    assert.deepEqual(seen, {
      creeps: ['Harvey', 'Builder'], spawns: ['Spawn1'], rooms: ['W1N1'], time: 7, users: ['p1'],
      exits: { 1: 'W2N2', 3: 'W1N1', 5: 'W2N0', 7: 'W3N1' }, memory: '{}', raw: '', my: true,
    });
  });
});
