import { makeConsole } from './console.js';
import { memoryTail } from './framing.js';
import { formatError } from './errors.js';
import { makeGame } from './game.js';
import { makeIntents } from './intents.js';
import { makeInterShardMemory, makeMemoryDefiner, makeRawMemory } from './memory.js';
import { decodeBase64, dropUnfinished, makeRequire, runMainLoop, type InstalledModule } from './require.js';
import type { IntentRegistry, Limits, Pristine, TickPayload, TickState } from './types.js';
import { capWebAssembly } from './wasm.js';

/** Declared by the runtime source ahead of the factories (`source.ts`). */
declare const LIMITS: Limits;

/** What the host finds on `globalThis.__kernel` after install (it keeps references, then deletes it). */
export interface KernelEntry {
  define(name: string, kind: 'js' | 'binary' | 'error', value: unknown): void;
  /**
   * The tick's fields travel as primitive arguments (`TickArgs`), not as one JSON payload: parsing a
   * payload cost more than the whole call in a cold isolate. Memory and the host data are their own string
   * arguments; the fields that are usually empty come as one JSON string in `rare`, `''` when all are empty.
   */
  tick(...args: TickArgs): string;
  /** `tick` and `finish` in one crossing, for the common tick without console commands. */
  run(...args: TickArgs): string;
  commands(commandsJson: string): string;
  /** `<output JSON>\n<0 | 1 + new Memory string>`: the frame of `framing.ts`. */
  finish(): string;
  /** A full collection (the host calls it between ticks to free external strings; see `gc.ts`). */
  collect(): void;
}

/** `gameTime, cpu limit, tickLimit, bucket, code timestamp, user id, username, Memory, rare JSON, host data`. */
export type TickArgs = [number, number, number, number, number, string, string, string, string, string];

/** The payload fields the host sends in `rare` when any of them is set. */
export type RarePayload = Pick<TickPayload, 'foreignSegment' | 'mmoCpu'> & Partial<Pick<TickPayload, 'segments' | 'interShard'>>;

/** Host handles and settings the worker puts on the global before install; install removes them (F12). */
interface InstallConfig {
  shard: string;
  maxConsoleBytes: number;
  wasmMaxPages: number;
  runtimeFile: string;
  mmoCpuApi: boolean;
}

/** Hooks a host game layer registers on `__kernelHost` while its bootstrap runs (see `HostBootstrap`). */
interface HostHooks {
  tick?: (game: Record<string, unknown>, hostData: unknown, intents: IntentRegistry, info: { userId: string; username: string; time: number }) => void;
  playerSandbox?: (sandbox: { run(code: string): unknown; get(name: string): unknown; set(name: string, value: unknown): void }, userId: string) => void;
}

/**
 * The trusted in-isolate runtime. Evaluated once per isolate before any player code. Player code is
 * only ever called from `tick` and `commands`, which catch everything; every result leaves as a
 * primitive JSON string produced here, inside the host's timed call, so hostile getters and throws can
 * only run into the timeout (isolated-vm would otherwise run them untimed while copying).
 */
export function installKernel(global: Record<string, unknown>): KernelEntry {
  const isolate = global._kernelIsolate as { readonly cpuTime: bigint; getHeapStatisticsSync(): Record<string, number> };
  const halt = global._kernelHalt as () => void;
  const config = global._kernelConfig as InstallConfig;
  delete global._kernelIsolate;
  delete global._kernelHalt;
  delete global._kernelConfig;
  // The worker sets `--expose-gc` (workers/sandbox/gc.ts): the kernel keeps the function and players
  // find `gc` undefined (V8 makes the property non-configurable, so it stays, writable and empty).
  const gc = typeof global.gc === 'function' ? (global.gc as () => void) : null;
  if (gc !== null) global.gc = undefined;

  const pristine: Pristine = {
    stringify: JSON.stringify,
    parse: JSON.parse,
    defineProperty: Object.defineProperty,
    create: Object.create,
    keys: Object.keys,
    freeze: Object.freeze,
    setPrototypeOf: Object.setPrototypeOf,
    isArray: Array.isArray,
    parseInt,
    isNaN: Number.isNaN,
    String,
    Error,
    TypeError,
    RangeError,
    Number,
  };
  const { stringify, parse, defineProperty, create, keys } = pristine;
  const indirectEval = global.eval as (code: string) => unknown;
  // Read by the host bootstrap, then deleted from the global with `__kernel` (F12); the kernel keeps it.
  const hooks = create(null) as HostHooks;
  global.__kernelHost = hooks;
  // The driver's `playerSandbox` API (F53): code and values in the player's global context.
  const sandboxApi = pristine.freeze({
    run: (code: string): unknown => indirectEval(pristine.String(code)),
    get: (name: string): unknown => global[pristine.String(name)],
    set: (name: string, value: unknown): void => {
      global[pristine.String(name)] = value;
    },
  });
  capWebAssembly(global, config.wasmMaxPages);
  // The official isolate exposes its global object as `global` (user-vm.js setIgnored), which most
  // player code uses for state kept across ticks (F14).
  defineProperty(global, 'global', { value: global, writable: true, configurable: true, enumerable: false });

  const modules = create(null) as Record<string, InstalledModule>;
  let requireFn: (((name: string) => unknown) & { cache: Record<string, unknown> }) | null = null;
  let requireTimestamp = -1;
  const inProgress = {};
  const nowCpu = (): number => Number(isolate.cpuTime) / 1e6;
  // One long-lived tick state per isolate, reset at each tick: the per-tick objects players get
  // (RawMemory, console, InterShardMemory, Game, the Memory getter) are built from methods and
  // descriptors made once here. This code runs in every isolate every tick, mostly in V8's interpreter
  // (each isolate has its own JIT state), so what it does per tick is kept to a few built-in calls.
  const s: TickState = {
    payload: { gameTime: 0, userId: '', username: '', codeTimestamp: 0, cpu: { limit: 0, tickLimit: 0, bucket: 0 }, memory: '', segments: {}, interShard: { local: '', remote: {} } },
    rawMemory: create(null) as Record<string, unknown>,
    memory: '',
    segments: create(null) as Record<string, unknown>,
    interShardLocal: '',
    log: [],
    results: [],
    consoleBytes: 0,
    consoleTruncated: false,
    visuals: create(null) as Record<string, string>,
    errors: [],
    consumed: [],
    startCpu: 0,
    mmo: {},
  };
  /** True between `tick` and `finish`. */
  let active = false;
  /** True once `finish` has started in the current tick. */
  let finishing = false;
  const intents = makeIntents(pristine);
  const arrayPrototype = Array.prototype;
  const noSegments = pristine.freeze(create(null)) as Record<string, string>;
  const noInterShard = pristine.freeze({ local: '', remote: pristine.freeze(create(null)) as Record<string, string> });
  const newRawMemory = makeRawMemory(s, pristine);
  const newConsole = makeConsole(s, pristine, config.maxConsoleBytes);
  const newInterShardMemory = makeInterShardMemory(s, pristine);
  const defineMemory = makeMemoryDefiner(global, s, pristine);
  const newGame = makeGame(s, () => intents as IntentRegistry, {
    shard: config.shard,
    mmoCpuApi: config.mmoCpuApi,
    nowCpu,
    heapStatistics: () => isolate.getHeapStatisticsSync(),
    halt,
  }, pristine);
  let consoleObj: Record<string, (...args: unknown[]) => unknown> | null = null;
  // F21: console commands are evaluated as `"" + eval(code)` inside a function that sees `module` and
  // `exports` (the current `__module`), like the official driver.
  const runCommand = new Function('code', 'module', 'exports', 'return "" + eval(code)') as (code: string, module: unknown, exports: unknown) => string;
  const globalDescriptor = { __proto__: null, value: undefined, writable: true, configurable: true, enumerable: false } as PropertyDescriptor;
  // F19/F20: every module object's `__initGlobals`, the main loop's every tick.
  const hookOff = pristine.freeze({ __proto__: null, value: undefined, writable: false, configurable: false } as PropertyDescriptor);

  // Like the official engine, the per-tick globals are plain assignments (writable, enumerable data
  // properties; a quarter of the cost of `defineProperty` in a cold isolate). A player who made one of
  // them non-writable or an accessor gets it defined over, as before.
  function setGlobal(name: string, value: unknown): void {
    try {
      global[name] = value;
      if (global[name] === value) return;
    } catch {
      // Non-writable: defined over below.
    }
    globalDescriptor.value = value;
    defineProperty(global, name, globalDescriptor);
    globalDescriptor.value = undefined;
  }
  function mainLoaded(): boolean {
    // F17: `require` is rebuilt while `main` is not loaded with a `loop` function.
    const main = requireFn?.cache.main as { loop?: unknown } | undefined;
    return main !== undefined && main !== null && typeof main === 'object' && typeof main.loop === 'function';
  }

  function define(name: string, kind: 'js' | 'binary' | 'error', value: unknown): void {
    // No prototype: `require` asks `'syntaxError' in` / `'binary' in` them after player code has run.
    if (kind === 'binary') modules[name] = { __proto__: null, binary: String(value) } as InstalledModule;
    else if (kind === 'error') modules[name] = { __proto__: null, syntaxError: String(value) } as InstalledModule;
    else modules[name] = { __proto__: null, fn: value as (m: { exports: unknown }, e: unknown) => void } as InstalledModule;
  }

  function tick(gameTime: number, limit: number, tickLimit: number, bucket: number, codeTimestamp: number, userId: string, username: string, memory: string, rare: string, hostData: string): string {
    lastOutput = null;
    const extra = rare === '' ? null : (parse(rare) as RarePayload);
    const payload: TickPayload = {
      gameTime,
      userId,
      username,
      codeTimestamp,
      cpu: { limit, tickLimit, bucket },
      memory,
      segments: extra?.segments ?? noSegments,
      interShard: extra?.interShard ?? noInterShard,
      foreignSegment: extra?.foreignSegment,
      hostData: hostData === '' ? undefined : hostData,
      mmoCpu: extra?.mmoCpu,
    };
    const segments = create(null) as Record<string, unknown>;
    if (extra?.segments) for (const id of keys(extra.segments)) segments[id] = extra.segments[id];
    s.payload = payload;
    s.memory = memory;
    s.segments = segments;
    delete s.activeSegments;
    delete s.publicSegments;
    delete s.defaultPublicSegment;
    delete s.activeForeignSegment;
    s.interShardLocal = payload.interShard.local;
    s.log = [];
    s.results = [];
    s.consoleBytes = 0;
    s.consoleTruncated = false;
    s.visuals = create(null) as Record<string, string>;
    s.errors = [];
    s.consumed = [];
    // Read again just before the player's code; read here only for a host layer's hooks (a read of the
    // isolate's clock costs a few µs in a cold isolate).
    s.startCpu = hooks.tick !== undefined || hooks.playerSandbox !== undefined ? nowCpu() : 0;
    s.mmo = {};
    active = true;
    finishing = false;
    intents.reset();
    const registry = intents as IntentRegistry;
    // F14: Game, RawMemory, console and the Memory getter are new objects every tick; globals persist.
    s.rawMemory = newRawMemory();
    setGlobal('RawMemory', s.rawMemory);
    consoleObj = newConsole() as typeof consoleObj;
    setGlobal('console', consoleObj);
    setGlobal('InterShardMemory', newInterShardMemory());
    defineMemory();
    const owner = { user: payload.userId, timestamp: payload.codeTimestamp };
    const game = newGame();
    setGlobal('Game', game);
    let status = 'ok';
    // The host game layer builds the rest of `Game`, then its playerSandbox hook runs in the player's
    // context (F15, F53); neither counts towards `getUsed()` (spec 3.1). A throw is a host fault: the
    // player's code does not run on a half-built `Game`.
    try {
      if (typeof hooks.tick === 'function') {
        const hostData = payload.hostData === undefined ? undefined : parse(payload.hostData);
        hooks.tick(game, hostData, registry, { userId: payload.userId, username: payload.username, time: payload.gameTime });
      }
      if (typeof hooks.playerSandbox === 'function') hooks.playerSandbox(sandboxApi, payload.userId);
    } catch (e) {
      s.errors.push('Host game layer error: ' + formatError(e, config.runtimeFile));
      return '{"status":"error"}';
    }
    if (requireFn !== null) dropUnfinished(requireFn.cache, inProgress, keys);
    if (requireFn === null || global.require !== requireFn || requireTimestamp !== payload.codeTimestamp || !mainLoaded()) {
      requireFn = makeRequire(modules, pristine, decodeBase64, global, owner, inProgress, hookOff);
      requireTimestamp = payload.codeTimestamp;
      setGlobal('require', requireFn);
    }
    const require_ = requireFn;
    s.startCpu = nowCpu();
    try {
      // F20: the main loop runs only when `main` exports a `loop` function.
      const main = require_('main') as { loop?: unknown } | null | undefined;
      if (main !== null && typeof main === 'object' && typeof main.loop === 'function') {
        runMainLoop(main as { loop: () => void }, global, owner, defineProperty, hookOff);
      }
    } catch (e) {
      status = 'error';
      s.errors.push(formatError(e, config.runtimeFile));
    }
    return status === 'ok' ? '{"status":"ok"}' : '{"status":"error"}';
  }

  function commands(commandsJson: string): string {
    if (!active) return '{"ran":0}';
    const list = parse(commandsJson) as { id: string; expression: string; hidden: boolean }[];
    let ran = 0;
    for (const command of list) {
      // Marked consumed before it runs: a command that times out is not retried forever.
      s.consumed.push(command.id);
      try {
        const module = global.__module as { exports?: unknown } | undefined;
        const result = runCommand(command.expression, module, module?.exports);
        if (!command.hidden) consoleObj?.commandResult?.(result);
      } catch (e) {
        s.errors.push(formatError(e, config.runtimeFile));
      }
      ran++;
    }
    // Literal JSON: `stringify` of an object would run a player's `Object.prototype.toJSON` again.
    return '{"ran":' + ran + '}';
  }

  /** The last finished output: a timeout in the microtask checkpoint after `run` must not lose it. */
  let lastOutput: string | null = null;

  function finish(): string {
    if (!active) {
      // Literal JSON: `stringify` of an object would call a player's `Object.prototype.toJSON`.
      const out = lastOutput ?? '{"error":"no tick in progress"}\n0';
      lastOutput = null;
      return out;
    }
    if (finishing) {
      // The previous `finish` of this tick was stopped (a timeout in Memory serialisation, a getter or
      // a proxy trap): it is not run again, so player code gets no second timeout in one tick.
      active = false;
      return '{"error":"results could not be collected in time"}\n0';
    }
    finishing = true;
    const payload = s.payload;
    // F29: serialise only when Memory was parsed (or `_parsed` assigned), with the pristine JSON.stringify.
    const parsed = s.rawMemory._parsed;
    if (parsed) {
      let text: string | undefined;
      try {
        text = stringify(parsed) as string | undefined;
      } catch (e) {
        // A circular or otherwise unserialisable Memory: reported, the previous Memory is kept.
        s.errors.push(formatError(e, config.runtimeFile));
      }
      if (typeof text === 'string') {
        if (text.length > LIMITS.memoryChars) {
          // Deliberate fix over F31: the player is told; the previous Memory is kept.
          s.errors.push(`Memory was not saved: its size (${text.length} characters) exceeds the 2 MB limit`);
        } else {
          s.memory = text;
        }
      }
    }
    // Spec 3.1: Memory serialisation counts towards the tick's CPU, so `getUsed` is read after it.
    const getUsedMs = nowCpu() - s.startCpu + intents.cpu;
    // The output JSON is assembled from pieces: the usual empty parts are literals and the rest goes
    // through the pristine `stringify` one field at a time (a whole-object `stringify` was a fifth of a
    // trivial tick). The host recomputes the intent count and checks every field (`checkOutput`).
    // The new Memory is appended after the JSON (below), not escaped inside it.
    let optional = '';
    // F32 with deliberate fixes: only segments written this tick are saved; an invalid one is reported
    // to the player and skipped, the rest of the tick is still saved.
    const written = create(null) as Record<string, string>;
    let writtenCount = 0;
    for (const key of keys(s.segments)) {
      const value = s.segments[key];
      if (value === payload.segments[key]) continue;
      const id = pristine.parseInt(key, 10);
      if (pristine.isNaN(id) || id < 0 || id > LIMITS.maxSegmentId) {
        s.errors.push(`"${key}" is not a valid memory segment ID`);
      } else if (typeof value !== 'string') {
        s.errors.push(`Memory segment #${key} is not a string`);
      } else if (value.length > LIMITS.segmentChars) {
        s.errors.push(`Memory segment #${key} has exceeded 100 KB length limit`);
      } else if (writtenCount >= 10) {
        s.errors.push('Cannot save more than 10 memory segments on the same tick');
      } else {
        written[pristine.String(id)] = value;
        writtenCount++;
      }
    }
    if (writtenCount > 0) optional += ',"segments":' + json(written);
    if (s.activeSegments !== undefined) optional += ',"activeSegments":' + json(s.activeSegments);
    if (s.publicSegments !== undefined) optional += ',"publicSegments":' + json(s.publicSegments);
    if (s.defaultPublicSegment !== undefined) optional += ',"defaultPublicSegment":' + json(s.defaultPublicSegment);
    if (s.activeForeignSegment !== undefined) optional += ',"activeForeignSegment":' + json(s.activeForeignSegment);
    if (s.interShardLocal !== payload.interShard.local) {
      if (typeof s.interShardLocal !== 'string') s.errors.push('InterShardMemory value is not a string');
      else if (s.interShardLocal.length > LIMITS.interShardChars) s.errors.push('InterShardMemory segment length exceeded 100 KB limit');
      else optional += ',"interShard":' + json(s.interShardLocal);
    }
    if (keys(s.mmo).length > 0) optional += ',"mmoCpu":' + json(s.mmo);
    let hasVisuals = false;
    for (const room of keys(s.visuals)) if (s.visuals[room]) hasVisuals = true;
    if (hasVisuals) optional += ',"visuals":' + json(s.visuals);
    const log = s.log;
    const results = s.results;
    // A `toJSON` on the array or object prototype could reshape any part built by `stringify`: such an
    // output is sent malformed (the host then saves nothing of the tick and tells the player), as
    // before the output was assembled in pieces.
    outputJson = 'toJSON' in arrayPrototype ? '{"console":null}' :
      '{"console":' +
      (log.length === 0 && results.length === 0 ? '{"log":[],"results":[]}' : json({ log, results })) +
      ',"intents":' +
      (keys(intents.list).length === 0 ? '{}' : json(intents.list)) +
      ',"consumedCommands":' +
      (s.consumed.length === 0 ? '[]' : json(s.consumed)) +
      ',"getUsedMs":' +
      (getUsedMs >= 0 && getUsedMs < Infinity ? pristine.String(getUsedMs) : '0') +
      optional +
      ',"errors":' +
      (s.errors.length === 0 ? '[]' : json(s.errors)) +
      '}';
    active = false;
    tail = memoryTail(s.memory !== payload.memory, s.memory);
    lastOutput = outputJson + tail;
    return lastOutput;
  }

  /** The output JSON and the Memory tail of the last `finish` (kept apart so `run` need not cut them). */
  let outputJson = '';
  let tail = '';

  /** A field's JSON; `null` (a malformed output for the host) when a forged `toJSON` made it vanish. */
  function json(value: unknown): string {
    const text = stringify(value) as string | undefined;
    return typeof text === 'string' ? text : 'null';
  }

  function run(gameTime: number, limit: number, tickLimit: number, bucket: number, codeTimestamp: number, userId: string, username: string, memory: string, rare: string, hostData: string): string {
    lastOutput = null;
    const status = tick(gameTime, limit, tickLimit, bucket, codeTimestamp, userId, username, memory, rare, hostData);
    finish();
    return '{"tick":' + status + ',"output":' + outputJson + '}' + tail;
  }

  function collect(): void {
    if (gc !== null) gc();
  }

  return { define, tick, run, commands, finish, collect };
}
