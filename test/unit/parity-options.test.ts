import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidOptionError, resolveOptions } from '../../src/index.js';

describe('resolveOptions: player runtime options', () => {
  it('defaults mmoCpuApi to false and hostBootstrap to none', () => {
    const o = resolveOptions({ poolSize: 1 });
    assert.equal(o.mmoCpuApi, false);
    assert.equal(o.hostBootstrap, undefined);
  });

  it('keeps a host bootstrap frozen, with the default file name <host>', () => {
    const o = resolveOptions({ poolSize: 1, hostBootstrap: { source: 'void 0' } });
    assert.deepEqual(o.hostBootstrap, { source: 'void 0', filename: '<host>' });
    assert.ok(Object.isFrozen(o.hostBootstrap));
  });

  const bad: [string, unknown, RegExp][] = [
    ['mmoCpuApi', 'yes', /Invalid option mmoCpuApi: "yes" \(expected true or false\)/],
    ['hostBootstrap', 'code', /Invalid option hostBootstrap: "code" \(expected an object \{ source: string; filename\?: string \}\)/],
    ['hostBootstrap', { source: 1 }, /Invalid option hostBootstrap/],
    ['hostBootstrap', { source: '', filename: '' }, /Invalid option hostBootstrap/],
  ];
  for (const [name, value, message] of bad) {
    it(`rejects ${name} = ${JSON.stringify(value)} naming the option and the value`, () => {
      assert.throws(
        () => resolveOptions({ [name]: value } as never),
        (e: unknown) => e instanceof InvalidOptionError && message.test(e.message) && e.option === name,
      );
    });
  }
});
