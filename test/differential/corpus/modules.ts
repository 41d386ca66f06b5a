import type { Scenario } from '../scenario.js';
import { loop } from './loop.js';

// (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
const ADDER = Buffer.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00,
  0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,
]).toString('base64');

/** require, the module cache, binary modules, the module wrapper (F16-F20). */
export const MODULES: readonly Scenario[] = [
  {
    name: 'require strips ./, caches exports, unknown module',
    covers: 'F16',
    ticks: 2,
    code: {
      main: loop(`const a = require('./util'); console.log(a === require('util'), a.loads);
        try { require('nope'); } catch (e) { console.log(e.message, e instanceof Error); }`),
      util: `module.exports = { loads: (global.utilLoads = (global.utilLoads || 0) + 1) };`,
    },
  },
  {
    name: 'circular require',
    covers: 'F16',
    ticks: 2,
    code: {
      main: loop(`try { require('a'); console.log('no error'); } catch (e) { console.log(typeof e, e instanceof Error, String(e.message), String(e).split('\\n')[0]); }`),
      a: `require('b'); module.exports = 1;`,
      b: `require('a');`,
    },
  },
  {
    name: 'a module that throws while it evaluates',
    covers: 'F16',
    ticks: 2,
    code: {
      main: loop(`try { require('flaky'); } catch (e) { console.log(typeof e, e instanceof Error, String(e.message), String(e).split('\\n')[0]); }`),
      flaky: `global.tries = (global.tries || 0) + 1; if (tries < 2) throw new Error('try ' + tries); module.exports = 'loaded';`,
    },
  },
  {
    name: 'a module that does not compile',
    covers: 'F16 F19',
    ticks: 2,
    code: {
      main: loop(`try { require('bad'); } catch (e) { console.log(typeof e, e instanceof Error, String(e.name), String(e.message), String(e).split('\\n')[0]); }`),
      bad: `module.exports = ;`,
    },
  },
  {
    name: 'main without loop is evaluated every tick',
    covers: 'F17 F20',
    ticks: 3,
    code: { main: `global.evals = (global.evals || 0) + 1; console.log('main evaluated', evals);` },
  },
  {
    name: 'main exporting a non-function loop',
    covers: 'F20',
    ticks: 2,
    code: { main: `global.evals = (global.evals || 0) + 1; console.log('evaluated', evals); module.exports.loop = 5;` },
  },
  {
    name: 'binary module for WebAssembly',
    covers: 'F18',
    ticks: 2,
    code: {
      main: loop(`const bytes = require('adder'); const i = new WebAssembly.Instance(new WebAssembly.Module(bytes));
        console.log(bytes.length, require('./adder') === bytes, i.exports.add(2, 40), bytes[0], bytes[1]);`),
      adder: { binary: ADDER },
    },
  },
  {
    name: 'module names with dots and slashes',
    covers: 'F10',
    ticks: 2,
    code: {
      main: loop(`console.log(require('lib/util.v2').name, require('./lib/util.v2') === require('lib/util.v2'));`),
      'lib/util.v2': `module.exports = { name: 'util v2' };`,
    },
  },
  {
    name: 'module wrapper: module, exports, __module, global.module',
    covers: 'F19',
    ticks: 2,
    code: {
      main: `exports.early = 1; console.log(typeof module, typeof exports, module.exports === exports, typeof __module, typeof global);
module.exports.loop = function () { console.log(__module.name, typeof module, this === undefined || this === global, typeof require.cache, typeof require.initGlobals, typeof module.__initGlobals); };`,
    },
  },
  {
    name: 'main that does not compile',
    covers: 'F19 F40',
    ticks: 2,
    code: { main: `module.exports.loop = function () { console.log('x') ;` },
  },
  {
    name: 'an uncaught error while a required module evaluates',
    covers: 'F16 F40',
    ticks: 2,
    code: {
      main: loop(`Memory.t = Game.time; require(Game.time === 100 ? 'broken' : 'cycle1');`),
      broken: `const x = 1;
function fail() { throw new RangeError('module failed at load'); }
fail();`,
      cycle1: `require('cycle2');`,
      cycle2: `require('cycle1');`,
    },
  },
  {
    name: 'require of a module that throws a string',
    covers: 'F16 F41',
    ticks: 2,
    code: {
      main: loop(`try { require('thrower'); } catch (e) { console.log(typeof e, String(e)); }`),
      thrower: `throw 'a string from a module';`,
    },
  },
];
