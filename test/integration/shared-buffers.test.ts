import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidOptionError, resolveOptions } from '../../src/index.js';
import { logs, loop, sharedRuntime } from '../helpers/parity.js';

/** A host layer that keeps a view of the shared buffer in its closure; the host data may ask it to write. */
const HOST = `
(function () {
  const view = new Uint8Array(_shared);
  delete globalThis._shared;
  __kernelHost.tick = function (Game, hostData) {
    if (hostData && hostData.write !== undefined) view[1] = hostData.write;
    Game.shared = [view[0], view[1]];
  };
})();
`;

describe('hostBootstrap.sharedBuffers (one memory in every isolate)', () => {
  const buffer = new SharedArrayBuffer(2);
  const bytes = new Uint8Array(buffer);
  const runtime = sharedRuntime({ poolSize: 2, hostBootstrap: { source: HOST, sharedBuffers: { _shared: buffer } } });
  const players = ['shared-a', 'shared-b', 'shared-c', 'shared-d'];
  const main = loop(`console.log(Game.shared.join(','), typeof _shared);`);
  const tick = (time: number, hostData: (userId: string) => object = () => ({})) =>
    runtime().execute(players.map((userId) => ({ userId, gameTime: time, code: { modules: { main } }, hostData: JSON.stringify(hostData(userId)) })));

  it('keeps the global name -> buffer map, frozen, with the same buffers', () => {
    const o = resolveOptions({ poolSize: 1, hostBootstrap: { source: 'void 0', sharedBuffers: { _shared: buffer } } });
    assert.ok(Object.isFrozen(o.hostBootstrap?.sharedBuffers));
    assert.equal(o.hostBootstrap?.sharedBuffers?._shared, buffer);
  });

  const bad: [string, unknown][] = [
    ['null', null],
    ['a string', 'buffer'],
    ['an ArrayBuffer value', { _shared: new ArrayBuffer(2) }],
    ['a view value', { _shared: new Uint8Array(buffer) }],
  ];
  for (const [label, sharedBuffers] of bad) {
    it(`rejects sharedBuffers: ${label}`, () => {
      assert.throws(
        () => resolveOptions({ hostBootstrap: { source: 'void 0', sharedBuffers } } as never),
        (e: unknown) => e instanceof InvalidOptionError && e.option === 'hostBootstrap' && /sharedBuffers map global names to SharedArrayBuffers/.test(e.message),
      );
    });
  }

  it('gives every isolate the host process memory itself, not a copy, and hides the global', async () => {
    bytes[0] = 42;
    const first = await tick(1);
    assert.deepEqual(first.map(logs), players.map(() => ['42,0 undefined']));
    // Written on the main thread after the isolates were made: every isolate reads the new value.
    bytes[0] = 43;
    const second = await tick(2);
    assert.deepEqual(second.map(logs), players.map(() => ['43,0 undefined']));
  });

  it("sees one isolate's write in the host process and in every other isolate", async () => {
    await tick(3, (userId) => (userId === 'shared-a' ? { write: 7 } : {}));
    assert.equal(bytes[1], 7);
    const after = await tick(4);
    assert.deepEqual(after.map(logs), players.map(() => ['43,7 undefined']));
  });
});
