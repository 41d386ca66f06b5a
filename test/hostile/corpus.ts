/**
 * The hostile corpus (issue 8, R6, R13, R14, R16, R33): escape and abuse attempts, one row each. Every
 * row runs in its own child process (test/fixtures/hostile-corpus-case.ts) next to a bystander, and the
 * test checks the common guarantees (classified outcome, end within limit + tolerance, no host effect,
 * bystander's result and bill unaffected) plus the row's own `memory` expectation when it has one.
 *
 * `__MARKER__` in a row's code is replaced by the path of a file that only a successful escape to the
 * host could create (the `tryHost` helper writes it through `process.getBuiltinModule('fs')`).
 */
import type { OutcomeKind } from '../../src/shared/outcome.js';

export interface CorpusCase {
  readonly name: string;
  readonly category: 'escape' | 'getter trap' | 'pollution' | 'tampering' | 'input' | 'time' | 'memory' | 'wasm' | 'control';
  /** The hostile player's `main` module. */
  readonly code: string;
  /** Accepted outcomes of the hostile player's first tick. */
  readonly expect: readonly OutcomeKind[];
  /** `call`: bounded by the tick's one deadline (`callTimeoutMs`); `hang`: by the worker hang timeout. */
  readonly limit?: 'call' | 'hang';
  /** Extra wall time allowed over the limit, ms. @default 1000 */
  readonly toleranceMs?: number;
  /** Raw Memory seeded for the hostile player, and one active segment 0. */
  readonly seedMemory?: string;
  readonly seedSegment?: string;
  /** Substrings the hostile player's stored Memory must contain after the run. */
  readonly memory?: readonly string[];
  /** Substrings one of the hostile player's console error lines must contain. */
  readonly error?: string;
  /** The least CPU (ms) the hostile player's first tick must be billed. */
  readonly minUsedTime?: number;
}

/** Tries to reach the host through a Function constructor `F`; records what it found in Memory. */
const TRY_HOST = `
function tryHost(F, tag) {
  let p;
  try { p = F('return typeof process === "undefined" ? undefined : process')(); } catch (e) { p = undefined; }
  if (p && p.getBuiltinModule) p.getBuiltinModule('fs').writeFileSync(__MARKER__, tag);
  Memory[tag] = typeof p;
}`;
const escape = (body: string): string => `${TRY_HOST}\nmodule.exports.loop = function () {\n${body}\n};`;
const loop = (body: string): string => `module.exports.loop = function () {\n${body}\n};`;

/** A module with a memory of 1 page and no maximum (a `memory.grow` could take any amount). */
const WASM_NO_MAX = '[0,97,115,109,1,0,0,0, 5,3,1,0,1]';
/** A module with a memory of 1..1024 pages exporting `grow()`, which runs `memory.grow(2000)` from inside. */
const WASM_GROW = '[0,97,115,109,1,0,0,0, 1,5,1,96,0,1,127, 3,2,1,0, 5,5,1,1,1,128,8, 7,8,1,4,103,114,111,119,0,0, 10,9,1,7,0,65,208,15,64,0,11]';

const SPIN = 'for (;;) {}';

export const CORPUS: readonly CorpusCase[] = [
  { name: 'control', category: 'control', code: loop('Memory.x = 1;'), expect: ['ok'], memory: ['"x":1'] },
  // ---- constructor chains to the host (R5, R6) ----
  { name: 'ctorThis', category: 'escape', code: escape("tryHost(this.constructor.constructor, 'a');"), expect: ['ok'], memory: ['"a":"undefined"'] },
  { name: 'ctorGlobal', category: 'escape', code: escape("tryHost(globalThis.constructor.constructor, 'a'); tryHost(Object.getPrototypeOf(globalThis).constructor.constructor, 'b');"), expect: ['ok'], memory: ['"a":"undefined"', '"b":"undefined"'] },
  { name: 'ctorError', category: 'escape', code: escape("try { null.x; } catch (e) { tryHost(e.constructor.constructor, 'a'); } try { RawMemory.set(5); } catch (e) { tryHost(e.constructor.constructor, 'b'); Memory.stack = String(e.stack); }"), expect: ['ok'], memory: ['"a":"undefined"', '"b":"undefined"', 'Raw memory value is not a string'] },
  { name: 'ctorGame', category: 'escape', code: escape("tryHost(Game.notify.constructor, 'a'); tryHost(Game.cpu.getUsed.constructor, 'b'); tryHost(Game.cpu.halt.constructor, 'c'); tryHost(Game.cpu.getHeapStatistics.constructor, 'd'); tryHost(Game.cpu.getHeapStatistics().constructor.constructor, 'e');"), expect: ['ok'], memory: ['"a":"undefined"', '"c":"undefined"', '"e":"undefined"'] },
  { name: 'ctorRawMemory', category: 'escape', code: escape("tryHost(RawMemory.get.constructor, 'a'); tryHost(RawMemory.setActiveSegments.constructor, 'b'); tryHost(InterShardMemory.getLocal.constructor, 'c'); tryHost(Object.getOwnPropertyDescriptor(RawMemory, 'interShardSegment').get.constructor, 'd');"), expect: ['ok'], memory: ['"a":"undefined"', '"d":"undefined"'] },
  { name: 'ctorConsoleRequire', category: 'escape', code: escape("tryHost(console.log.constructor, 'a'); tryHost(require.constructor, 'b'); tryHost((async function () {}).constructor, 'c'); tryHost((function* () {}).constructor, 'd'); Memory.main = typeof require('main').loop;"), expect: ['ok'], memory: ['"a":"undefined"', '"b":"undefined"', '"main":"function"'] },
  // (the async and generator constructors give a Promise and a generator: "object"; the marker file is what proves no escape)
  { name: 'prepareStackTrace', category: 'escape', code: escape("const seen = []; Error.prepareStackTrace = (e, frames) => { for (const f of frames) { try { const fn = f.getFunction(); if (fn) tryHost(fn.constructor, 'f' + seen.length); const t = f.getThis(); if (t && t.constructor) tryHost(t.constructor.constructor, 't' + seen.length); } catch (x) {} seen.push(String(f.getFileName())); } return 'trace'; }; try { RawMemory.setActiveSegments(5); } catch (e) { Memory.s = e.stack; } try { Game.cpu.getHeapStatistics.call(null, { get x() { return new Error().stack; } }); } catch (e) { } Memory.files = seen;"), expect: ['ok'], memory: ['"s":"trace"'] },
  { name: 'dynamicImport', category: 'escape', code: loop("import('fs').then((fs) => { Memory.fs = typeof fs; }, (e) => { Memory.fs = 'rejected'; }); Memory.sync = typeof require('fs');"), expect: ['scriptError'], error: 'Unknown module' },
  { name: 'bootstrapGlobals', category: 'escape', code: loop("Memory.k = [typeof _kernelIsolate, typeof _kernelHalt, typeof _kernelConfig, typeof __kernel, typeof process, typeof ivm].join(); Memory.names = Object.getOwnPropertyNames(globalThis).filter((n) => /kernel|ivm|isolate/i.test(n));"), expect: ['ok'], memory: ['"k":"undefined,undefined,undefined,undefined,undefined,undefined"', '"names":[]'] },
  // ---- getter and Proxy traps on thrown and returned values (feasibility 5.5) ----
  { name: 'throwProxy', category: 'getter trap', code: loop(`throw new Proxy({}, { get() { ${SPIN} } });`), expect: ['timedOut'] },
  { name: 'throwMessageGetter', category: 'getter trap', code: loop(`throw { get message() { ${SPIN} } };`), expect: ['timedOut'] },
  { name: 'throwStackGetter', category: 'getter trap', code: loop(`throw { get stack() { ${SPIN} } };`), expect: ['timedOut'] },
  { name: 'throwErrorLoopingMessage', category: 'getter trap', code: loop(`throw Object.create(Error.prototype, { message: { get() { ${SPIN} } } });`), expect: ['timedOut'] },
  { name: 'throwProxiedError', category: 'getter trap', code: loop(`throw new Proxy(new Error('x'), { get(t, k) { if (k === 'stack') { ${SPIN} } return t[k]; } });`), expect: ['timedOut'] },
  { name: 'exportsLoopGetter', category: 'getter trap', code: `module.exports = { get loop() { ${SPIN} } };`, expect: ['timedOut'] },
  { name: 'returnLoopingGetter', category: 'getter trap', code: loop(`return { get x() { ${SPIN} }, toJSON() { ${SPIN} } };`), expect: ['ok'] },
  { name: 'memoryGetter', category: 'getter trap', code: loop(`Memory.trap = { get x() { ${SPIN} } };`), expect: ['timedOut'] },
  { name: 'memoryProxy', category: 'getter trap', code: loop(`Memory.trap = new Proxy({}, { ownKeys() { ${SPIN} } });`), expect: ['timedOut'] },
  // Issue 13: a loop inside `finish` (Memory serialisation) used to get a second whole timeout.
  { name: 'finishToJsonLoop', category: 'getter trap', code: loop(`Object.prototype.toJSON = function () { ${SPIN} }; Memory.x = { a: 1 };`), expect: ['timedOut'] },
  { name: 'finishParsedProxy', category: 'getter trap', code: loop(`RawMemory._parsed = new Proxy({}, { ownKeys() { ${SPIN} }, get() { ${SPIN} } });`), expect: ['timedOut'] },
  { name: 'consoleToString', category: 'getter trap', code: loop(`console.log({ toString() { ${SPIN} } });`), expect: ['timedOut'] },
  { name: 'intentsProxy', category: 'getter trap', code: loop(`Game.notify(new Proxy({}, { get() { ${SPIN} } }));`), expect: ['timedOut'] },
  // ---- JSON keys that pollute prototypes (R6, R34) ----
  {
    name: 'protoKeysInMemory',
    category: 'pollution',
    seedMemory: '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}',
    code: loop("Memory.clean = ({}).polluted === undefined; Memory.p = Object.getPrototypeOf(Memory) === null; RawMemory.set('{\"__proto__\":{\"polluted\":2},\"y\":1}');"),
    expect: ['ok'],
    memory: ['"__proto__":{"polluted":2}'],
  },
  {
    name: 'protoKeysInSegments',
    category: 'pollution',
    seedSegment: '{"__proto__":{"polluted":1}}',
    code: loop("const s = RawMemory.segments; s['__proto__'] = 'x'; s.constructor = 'y'; s[1] = JSON.stringify(JSON.parse(s[0])); Memory.remote = InterShardMemory.getRemote('__proto__'); Memory.clean = ({}).polluted === undefined; RawMemory.setActiveSegments([0, 1]);"),
    expect: ['ok'],
    error: 'is not a valid memory segment ID',
    memory: ['"remote":null', '"clean":true'],
  },
  // ---- species and built-in tampering aimed at the kernel, other players or the bill ----
  { name: 'symbolSpecies', category: 'tampering', code: loop(`Object.defineProperty(Array, Symbol.species, { get() { ${SPIN} } }); Object.defineProperty(Promise, Symbol.species, { get() { ${SPIN} } }); class A extends Array { static get [Symbol.species]() { return function () { ${SPIN} }; } } Memory.a = A.from([1, 2]); console.log('x'); Game.notify('n');`), expect: ['ok', 'timedOut'], memory: ['"a":[1,2]'] },
  { name: 'tamperJsonAndObject', category: 'tampering', code: loop("JSON.stringify = () => '{\"forged\":1}'; JSON.parse = () => ({ forged: 1 }); Array.isArray = () => false; Object.defineProperty = () => { throw new Error('nope'); }; Object.keys = () => []; Object.create = () => ({}); String = () => 'S'; Memory.real = 1; RawMemory.segments[3] = 'seg'; Game.notify('n');"), expect: ['ok'], memory: ['"real":1'] },
  { name: 'tamperToJsonForgery', category: 'tampering', code: loop("for (let i = 0; i < 20; i++) Game.notify('n' + i); Object.prototype.toJSON = function () { const o = Object.create(null); o.console = 5; o.intents = Object.create(null); o.intentsCount = -1e6; o.consumedCommands = 'x'; o.getUsedMs = -1e6; o.memory = 5; o.errors = 7; return o; };"), expect: ['scriptError'], error: "tick's output was malformed" },
  {
    name: 'tamperBillForgery',
    category: 'tampering',
    // 20 notifications, then a toJSON that would shrink every array to nothing, so the intents would
    // count 0 (F24). The kernel sends any output with a prototype toJSON as malformed: the tick saves
    // nothing, its notifications included, so there is nothing left to bill below their cost.
    code: loop("for (let i = 0; i < 20; i++) Game.notify('n' + i); Object.prototype.toJSON = function () { return Array.isArray(this) ? [] : this; };"),
    expect: ['scriptError'],
    error: "tick's output was malformed",
  },
  { name: 'tamperArrayToJson', category: 'tampering', code: loop("Array.prototype.toJSON = function () { return 'forged'; }; Memory.x = [1];"), expect: ['scriptError'], error: "tick's output was malformed" },
  { name: 'tamperArrayPush', category: 'tampering', code: loop(`Array.prototype.push = function () { ${SPIN} }; throw new Error('then the kernel pushes the error');`), expect: ['timedOut'] },
  // ---- bad values in Memory, segments, intents, console (R33) ----
  { name: 'nonCloneableMemory', category: 'input', code: loop("Memory.f = function () {}; Memory.s = Symbol('s'); Memory.b = 1; const c = {}; c.self = c; Memory.c = c;"), expect: ['ok'], error: 'circular' },
  { name: 'nonCloneableSegmentsAndIntents', category: 'input', code: loop("RawMemory.segments[2] = { a: 1 }; RawMemory.segments[3] = 10n; Game.notify(Symbol.iterator); InterShardMemory.setLocal(10n);"), expect: ['scriptError'], error: 'not a string' },
  { name: 'consoleFlood', category: 'input', code: loop("console.log('x'.repeat(5e6)); for (let i = 0; i < 1000; i++) console.log('y'.repeat(1e4));"), expect: ['ok'] },
  { name: 'deepRecursion', category: 'input', code: loop('function f() { return f() + 1; } f();'), expect: ['scriptError'], error: 'Maximum call stack size exceeded' },
  { name: 'deepMemory', category: 'input', code: loop('let o = {}; for (let i = 0; i < 1e5; i++) o = { o }; Memory.deep = o;'), expect: ['ok', 'scriptError', 'timedOut'], error: 'Maximum call stack size exceeded' },
  // (building and serialising 1e5 levels is bounded work that can outlast 105 ms on a loaded machine)
  { name: 'syntaxError', category: 'input', code: 'module.exports.loop = function () {', expect: ['scriptError'], error: 'SyntaxError' },
  { name: 'code5mb', category: 'input', code: `module.exports.loop = function () { Memory.n = BLOB.length; };\nconst BLOB = "${'x'.repeat(5 * 1024 * 1024)}";`, expect: ['ok'], memory: ['"n":5242880'] },
  // ---- time (R12, R13) ----
  { name: 'infiniteLoop', category: 'time', code: loop(SPIN), expect: ['timedOut'] },
  { name: 'promiseContinuation', category: 'time', code: loop(`Promise.resolve().then(() => { ${SPIN} });`), expect: ['timedOut'] },
  { name: 'asyncAwaitLoop', category: 'time', code: loop(`(async () => { await null; await null; ${SPIN} })();`), expect: ['timedOut'] },
  { name: 'atomicsWait', category: 'time', code: loop('Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);'), expect: ['timedOut'] },
  { name: 'regexHugeString', category: 'time', code: loop("/1+2/.test('1'.repeat(2 ** 25));"), expect: ['timedOut'], toleranceMs: 5000 },
  { name: 'regexBacktracking', category: 'time', code: loop("/^(a+)+$/.test('a'.repeat(40) + 'b');"), expect: ['timedOut'] },
  // ---- memory (R14, R16) ----
  { name: 'oomObjects', category: 'memory', code: loop('const keep = []; for (;;) keep.push(new Array(1e6).fill(1.5));'), expect: ['memoryExceeded', 'timedOut'] },
  { name: 'oomArrayBuffer', category: 'memory', code: loop('Memory.b = new ArrayBuffer(2 ** 31).byteLength;'), expect: ['scriptError', 'memoryExceeded'], error: 'Array buffer allocation failed' },
  { name: 'oomStringDoubling', category: 'memory', code: loop("let s = 'x'; for (;;) s += s;"), expect: ['scriptError', 'memoryExceeded', 'timedOut'] },
  { name: 'oomCatastrophicFill', category: 'memory', code: loop('new Array(1e8).fill(0);'), expect: ['workerFailed'], limit: 'hang', toleranceMs: 10_000 },
  // ---- WebAssembly memory beyond the limit (wasm.ts) ----
  { name: 'wasmMemoryJs', category: 'wasm', code: loop("const m = new WebAssembly.Memory({ initial: 1 }); try { m.grow(5000); } catch (e) { Memory.grow = e.constructor.name; } const keep = []; try { for (let i = 0; i < 150; i++) keep.push(new WebAssembly.Memory({ initial: 160 })); } catch (e) { Memory.many = keep.length; }"), expect: ['ok'], memory: ['"grow":"RangeError"', '"many":0'] },
  { name: 'wasmModuleNoMaximum', category: 'wasm', code: loop(`try { new WebAssembly.Module(new Uint8Array(${WASM_NO_MAX})); Memory.r = 'compiled'; } catch (e) { Memory.r = String(e.message); } Memory.v = WebAssembly.validate(new Uint8Array(${WASM_NO_MAX}));`), expect: ['ok'], memory: ['declare a maximum', '"v":false'] },
  { name: 'wasmGrowInside', category: 'wasm', code: loop(`const mod = new WebAssembly.Module(new Uint8Array(${WASM_GROW})); const a = new WebAssembly.Instance(mod); Memory.grow = a.exports.grow(); try { new WebAssembly.Instance(mod); Memory.second = 'instantiated'; } catch (e) { Memory.second = e.constructor.name; }`), expect: ['ok'], memory: ['"grow":-1', '"second":"RangeError"'] },
];
