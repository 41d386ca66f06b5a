import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logs, loop, sharedRuntime, tickOnce, ticks } from '../helpers/parity.js';

describe('player runtime parity: modules, require, errors (F14, F16-F20, F40, F41)', () => {
  const runtime = sharedRuntime();

  it('keeps globals across ticks but gives every tick a fresh Game, RawMemory and console (F14)', async () => {
    const rs = await ticks(runtime(), loop(`
      globalThis.n = (globalThis.n || 0) + 1;
      console.log(n, Game.time, Game === globalThis.lastGame, RawMemory === globalThis.lastRaw, console === globalThis.lastConsole);
      globalThis.lastGame = Game; globalThis.lastRaw = RawMemory; globalThis.lastConsole = console;`), [{}, {}]);
    assert.deepEqual(rs.map(logs), [['1 1 false false false'], ['2 2 false false false']]);
  });

  it('strips one leading ./, caches exports and throws Unknown module (F16)', async () => {
    const r = await tickOnce(runtime(), {
      main: loop(`const a = require('./util'); const b = require('util'); console.log(a === b, a.calls);
        try { require('nope'); } catch (e) { console.log(e.message); }`),
      util: `module.exports = { calls: (globalThis.utilLoads = (globalThis.utilLoads || 0) + 1) };`,
    });
    assert.deepEqual(logs(r), ['true 1', "Unknown module 'nope'"]);
  });

  it('throws Circular reference instead of returning partial exports (F16)', async () => {
    const r = await tickOnce(runtime(), {
      main: loop(`try { require('a'); } catch (e) { console.log(e.message); }`),
      a: `require('b'); module.exports = 1;`,
      b: `require('a');`,
    });
    assert.deepEqual(logs(r), ["Circular reference to module 'a'"]);
  });

  it('removes a module that threw from the cache, so the next require evaluates it again (F16)', async () => {
    const r = await tickOnce(runtime(), {
      main: loop(`for (let i = 0; i < 2; i++) { try { require('flaky'); } catch (e) { console.log(e.message); } } console.log(require('flaky'));`),
      flaky: `globalThis.tries = (globalThis.tries || 0) + 1; if (tries < 3) throw new Error('try ' + tries); module.exports = 'loaded after ' + tries;`,
    });
    assert.deepEqual(logs(r), ['try 1', 'try 2', 'loaded after 3']);
  });

  it('rebuilds require every tick while main has no loop, so main is evaluated again (F17)', async () => {
    const rs = await ticks(runtime(), `globalThis.evals = (globalThis.evals || 0) + 1; console.log('main evaluated', evals);`, [{}, {}, {}]);
    assert.deepEqual(rs.map(logs), [['main evaluated 1'], ['main evaluated 2'], ['main evaluated 3']]);
    assert.ok(rs.every((r) => r.outcome === 'ok'));
  });

  it('keeps the module cache while main exports a loop, and rebuilds it when the code timestamp changes (F17)', async () => {
    const main = `globalThis.evals = (globalThis.evals || 0) + 1; module.exports.loop = function () { console.log('evals', evals); };`;
    const rs = await ticks(runtime(), main, [{ code: { modules: { main }, timestamp: 2 } }, { code: { modules: { main }, timestamp: 2 } }, { code: { modules: { main }, timestamp: 1 } }]);
    // Same code, an older timestamp: same isolate (globals kept), but `main` is evaluated again.
    assert.deepEqual(rs.map(logs), [['evals 1'], ['evals 1'], ['evals 2']]);
    assert.equal(rs[2]!.sandbox.coldStart, null);
  });

  it('resets the isolate when the same code comes with a newer timestamp (F13: "push the same code again")', async () => {
    const main = `globalThis.evals = (globalThis.evals || 0) + 1; module.exports.loop = function () { console.log('evals', evals); };`;
    const rs = await ticks(runtime(), main, [{ code: { modules: { main }, timestamp: 1 } }, { code: { modules: { main }, timestamp: 1 } }, { code: { modules: { main }, timestamp: 2 } }]);
    assert.deepEqual(rs.map(logs), [['evals 1'], ['evals 1'], ['evals 1']]);
    assert.equal(rs[2]!.sandbox.coldStart, 'codeChanged');
  });

  it('evaluates a module again after its evaluation timed out, instead of calling it circular (F16)', async () => {
    const modules = { main: loop(`console.log('tick', Game.time); require('slow');`), slow: `if (Game.time === 1) for (;;) {} module.exports = 1;` };
    const rs = await ticks(runtime(), modules, [{ cpu: { tickLimit: 20 } }, { cpu: { tickLimit: 20 } }]);
    assert.equal(rs[0]!.outcome, 'timedOut');
    assert.equal(rs[1]!.outcome, 'ok', rs[1]!.errors.join('\n'));
    assert.deepEqual(rs.map(logs), [['tick 1'], ['tick 2']]);
  });

  it('returns binary modules as cached bytes that WebAssembly.Module accepts (F18)', async () => {
    // (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
    const wasm = Buffer.from([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00,
      0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,
    ]).toString('base64');
    const r = await tickOnce(runtime(), {
      main: loop(`const bytes = require('adder');
        const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
        console.log(bytes instanceof Uint8Array, bytes.length, require('./adder') === bytes, instance.exports.add(2, 40));`),
      adder: { binary: wasm },
    });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(logs(r), ['true 41 true 42']);
  });

  it('instantiates a binary module with its own memory within the WebAssembly cap, and refuses one without a maximum (F18)', async () => {
    const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    // (memory 1 2) and (memory 1): section 5, one memory, flags 1 = has maximum.
    const bounded = Buffer.from([...header, 0x05, 0x04, 0x01, 0x01, 0x01, 0x02]).toString('base64');
    const unbounded = Buffer.from([...header, 0x05, 0x03, 0x01, 0x00, 0x01]).toString('base64');
    const r = await tickOnce(runtime(), {
      main: loop(`console.log(new WebAssembly.Instance(new WebAssembly.Module(require('bounded'))) instanceof WebAssembly.Instance);
        try { new WebAssembly.Module(require('unbounded')); } catch (e) { console.log(e.name + ': ' + e.message); }`),
      bounded: { binary: bounded },
      unbounded: { binary: unbounded },
    });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(logs(r), ['true', "RangeError: WebAssembly module memory (declare a maximum) exceeds this runtime's limit of 1024 pages (65536 KB)"]);
  });

  it('evaluates each module as __module with the global.module quirk and init-globals disabled (F19)', async () => {
    const r = await tickOnce(runtime(), {
      main: `const m = require('m'); m.after = global.module.name;
module.exports.loop = function () {
  const g = globalThis.__module;
  console.log(m.name, m.same, m.init, require.initGlobals, JSON.stringify(global.module), m.after, g.name, g.exports === module.exports, typeof __module);
};`,
      m: `module.__initGlobals = 5;
module.exports = { name: globalThis.__module.name, same: globalThis.__module === module, init: module.__initGlobals };`,
    });
    assert.deepEqual(r.errors, []);
    // Inside module code `__module` is the wrapper function itself (a named function expression, as in
    // the official wrapper); the global `__module` is the module being evaluated. Each evaluation
    // assigns the `__module` that preceded it to `global.module`: main's module after `m`, `{}` after
    // main's first evaluation.
    // In the loop the global `__module` is the `__mainLoop` module whose exports are main's.
    assert.deepEqual(logs(r), ['m true undefined undefined {} main __mainLoop true function']);
  });

  it('calls loop only when main exports a function, with main exports as this (F20)', async () => {
    const a = await tickOnce(runtime(), `module.exports.loop = 5; console.log('evaluated');`);
    assert.equal(a.outcome, 'ok');
    assert.deepEqual(a.errors, []);
    assert.deepEqual(logs(a), ['evaluated']);
    const b = await tickOnce(runtime(), `module.exports.loop = function () { console.log(this === module.exports); };`);
    assert.deepEqual(logs(b), ['true']);
  });

  it('formats stacks with &lt;, exact player lines and columns, and without runtime frames (F40)', async () => {
    const r = await tickOnce(runtime(), {
      main: `function foo() {
  throw new Error('boom <x>');
}
module.exports.loop = function () { foo(); };`,
    });
    assert.equal(r.outcome, 'scriptError');
    assert.deepEqual(r.errors, ['Error: boom &lt;x>\n    at foo (main:2:9)\n    at module.exports.loop (main:4:37)']);
  });

  it('shows a throw at module top level as `at <module>:line:col` (F40)', async () => {
    const r = await tickOnce(runtime(), { main: `require('util');\nmodule.exports.loop = function () {};`, util: `\n  throw new TypeError('top');` });
    assert.deepEqual(r.errors, ['TypeError: top\n    at util:2:9\n    at main:1:1']);
  });

  it('reports a module with a syntax error as a SyntaxError every time it is required (F19)', async () => {
    const r = await tickOnce(runtime(), { main: loop(`require('bad');`), bad: `module.exports = (;` });
    assert.equal(r.outcome, 'scriptError');
    assert.deepEqual(r.errors, ["SyntaxError: Unexpected token ';' [bad:1:19]\n    at module.exports.loop (main:2:1)"]);
  });

  it('reports a thrown non-Error as String(value) instead of nothing (F41)', async () => {
    const a = await tickOnce(runtime(), loop(`throw 'plain <string>';`));
    assert.equal(a.outcome, 'scriptError');
    assert.deepEqual(a.errors, ['plain &lt;string>']);
    const b = await tickOnce(runtime(), loop(`throw { code: 1 };`));
    assert.deepEqual(b.errors, ['[object Object]']);
    const c = await tickOnce(runtime(), loop(`throw null;`));
    assert.deepEqual(c.errors, ['null']);
  });
});
