import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logs, loop, sharedRuntime, tickOnce, ticks } from '../helpers/parity.js';

/** A miniature host game layer: Creeps from per-tick host data, intents through the registry. */
const HOST = `
(function () {
  const hooks = __kernelHost;
  let registry = null;
  class Creep {
    constructor(data) { this.id = data.id; this.name = data.name; this.room = data.room; }
    move(direction) { registry.set(this.id, 'move', { direction }); return 0; }
    say(message) { registry.set(this.id, 'say', { message }); return 0; }
  }
  globalThis._ = { isLodashStub: true };
  globalThis.bootstraps = (globalThis.bootstraps || 0) + 1;
  hooks.tick = function (Game, hostData, intents, info) {
    if (hostData && hostData.fail) throw new Error('bad host data');
    registry = intents;
    Game.creeps = Object.create(null);
    for (const c of (hostData ? hostData.creeps : [])) Game.creeps[c.name] = new Creep(c);
    Game.user = info.username + '@' + info.time;
    Game.registry = intents;
  };
  hooks.playerSandbox = function (sandbox, userId) {
    sandbox.set('HOST_USER', userId);
    sandbox.run('globalThis.fromRun = typeof Game.creeps');
    sandbox.set('seenByHost', sandbox.get('playerGlobal'));
  };
})();
`;

describe('host game layer (hostBootstrap) and the intent registry (F15, F23, F53)', () => {
  const runtime = sharedRuntime({ hostBootstrap: { source: HOST, filename: 'host-layer.js' } });

  it('builds Game every tick from the host data, keeping the kernel Game.time, cpu, shard and notify', async () => {
    const r = await tickOnce(
      runtime(),
      loop(`const c = Game.creeps.scout; console.log(c.room, c instanceof Object, Game.user, Game.time, typeof Game.cpu.getUsed, Game.shard.name, typeof Game.notify);`),
      { username: 'alice', gameTime: 7, hostData: JSON.stringify({ creeps: [{ id: 'c1', name: 'scout', room: 'W1N1' }] }) },
    );
    assert.deepEqual(r.errors, []);
    assert.deepEqual(logs(r), ['W1N1 true alice@7 7 function shard0 function']);
  });

  it('evaluates the bootstrap once per isolate and hides __kernelHost and __kernel from the player (F12)', async () => {
    const rs = await ticks(runtime(), loop(`console.log(bootstraps, typeof __kernelHost, typeof __kernel, typeof _kernelConfig);`), [{}, {}]);
    assert.deepEqual(rs.map(logs), [['1 undefined undefined undefined'], ['1 undefined undefined undefined']]);
  });

  it('runs the playerSandbox hook in the player context before the loop, with run/get/set', async () => {
    const rs = await ticks(runtime(), loop(`console.log(HOST_USER, fromRun, seenByHost); globalThis.playerGlobal = 'from tick ' + Game.time;`), [
      { userId: 'sandboxed' },
      { userId: 'sandboxed' },
    ]);
    assert.deepEqual(rs.map(logs), [['sandboxed object undefined'], ['sandboxed object from tick 1']]);
  });

  it("pre-caches the host layer's _ as require('lodash') (F16)", async () => {
    const r = await tickOnce(runtime(), loop(`console.log(require('lodash') === _, require('lodash').isLodashStub);`));
    assert.deepEqual(logs(r), ['true true']);
  });

  it('reports a throwing host hook as a host error and does not run the player code', async () => {
    const r = await tickOnce(runtime(), loop(`console.log('player ran');`), { hostData: JSON.stringify({ fail: true }) });
    assert.equal(r.outcome, 'scriptError');
    assert.deepEqual(logs(r), []);
    assert.match(r.errors[0]!, /^Host game layer error: Error: bad host data\n {4}at hooks\.tick \(host-layer\.js:\d+:\d+\)/);
  });

  it('returns intents registered by the host layer and charges 0.2 CPU per non-free registration (F23)', async () => {
    const r = await tickOnce(
      runtime(),
      loop(`const reg = Game.registry, cpu = () => reg.cpu.toFixed(1);
        const c = Game.creeps.a;
        c.move(1); const afterMove = cpu();
        c.move(3); const afterOverwrite = cpu();
        c.say('hi'); const afterSay = cpu();
        reg.pushByName('room', 'createFlag', { x: 1 }); const afterPushByName = cpu();
        reg.push('global', { order: 1 }); const afterPush = cpu();
        console.log(afterMove, afterOverwrite, afterSay, afterPushByName, afterPush);
        reg.remove('c1', 'say'); console.log(cpu(), reg.push('capped', 1, 0));`),
      { hostData: JSON.stringify({ creeps: [{ id: 'c1', name: 'a', room: 'W1N1' }] }) },
    );
    assert.deepEqual(r.errors, []);
    // `say` and `pull` are free for set(); overwriting is free; remove() refunds 0.2 even for a free name.
    assert.deepEqual(logs(r), ['0.2 0.2 0.2 0.4 0.6', '0.4 false']);
    assert.deepEqual(r.output?.intents, { c1: { move: { direction: 3 } }, room: { createFlag: [{ x: 1 }] }, global: [{ order: 1 }], capped: [] });
    assert.equal(r.output?.intentsCount, 3);
  });
});

describe('host game layer bootstrap failures', () => {
  const runtime = sharedRuntime({ hostBootstrap: { source: `throw new Error('bootstrap <broke>');` } });

  it('reports a throwing bootstrap as an internal error, not as a player fault', async () => {
    const r = await tickOnce(runtime(), loop(`console.log('never');`));
    assert.equal(r.outcome, 'internalError');
    assert.deepEqual(r.errors, ['Script execution has been terminated: the runtime could not start (bootstrap &lt;broke>)']);
    assert.equal(r.output, undefined);
  });
});
