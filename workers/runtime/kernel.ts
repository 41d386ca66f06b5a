import { makeConsole } from './console.js';
import { formatError } from './errors.js';
import { makeGame } from './game.js';
import { countIntents, makeIntents } from './intents.js';
import { makeInterShardMemory, makeMemoryDefiner, makeRawMemory } from './memory.js';
import { decodeBase64, makeRequire, runMainLoop, type InstalledModule } from './require.js';
import type { IntentRegistry, Pristine, TickPayload, TickState } from './types.js';
import { capWebAssembly } from './wasm.js';

/** What the host finds on `globalThis.__kernel` after install (it keeps references, then deletes it). */
export interface KernelEntry {
  define(name: string, kind: 'js' | 'binary' | 'error', value: unknown): void;
  /** Memory travels as its own string argument: nesting it in the JSON payload escaped it twice per tick. */
  tick(payloadJson: string, memory: string): string;
  /** `tick` and `finish` in one crossing, for the common tick without console commands. */
  run(payloadJson: string, memory: string): string;
  commands(commandsJson: string): string;
  /** `<output JSON>\n<0 | 1 + new Memory string>`: see `MEMORY_SEPARATOR` in the sandbox. */
  finish(): string;
}

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
  const MAX_MEMORY = 2 * 1024 * 1024;
  const MAX_SEGMENT = 100 * 1024;
  capWebAssembly(global, config.wasmMaxPages);
  // The official isolate exposes its global object as `global` (user-vm.js setIgnored), which most
  // player code uses for state kept across ticks (F14).
  defineProperty(global, 'global', { value: global, writable: true, configurable: true, enumerable: false });

  const modules = create(null) as Record<string, InstalledModule>;
  let requireFn: (((name: string) => unknown) & { cache: Record<string, unknown> }) | null = null;
  let requireTimestamp = -1;
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
  let intents: IntentRegistry = makeIntents(pristine);
  const newRawMemory = makeRawMemory(s, pristine);
  const newConsole = makeConsole(s, pristine, config.maxConsoleBytes);
  const newInterShardMemory = makeInterShardMemory(s, pristine);
  const defineMemory = makeMemoryDefiner(global, s, pristine);
  const newGame = makeGame(s, () => intents, {
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
  const globalDescriptor: PropertyDescriptor = { value: undefined, writable: true, configurable: true, enumerable: false };

  function setGlobal(name: string, value: unknown): void {
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
    if (kind === 'binary') modules[name] = { binary: String(value) };
    else if (kind === 'error') modules[name] = { syntaxError: String(value) };
    else modules[name] = { fn: value as (m: { exports: unknown }, e: unknown) => void };
  }

  function tick(payloadJson: string, memory: string): string {
    lastOutput = null;
    const payload = parse(payloadJson) as TickPayload;
    payload.memory = memory;
    const segments = create(null) as Record<string, unknown>;
    for (const id of keys(payload.segments)) segments[id] = payload.segments[id];
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
    s.startCpu = nowCpu();
    s.mmo = {};
    active = true;
    intents = makeIntents(pristine);
    const registry = intents;
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
      return stringify({ status: 'error' });
    }
    if (requireFn === null || global.require !== requireFn || requireTimestamp !== payload.codeTimestamp || !mainLoaded()) {
      requireFn = makeRequire(modules, pristine, decodeBase64, global, owner);
      requireTimestamp = payload.codeTimestamp;
      setGlobal('require', requireFn);
    }
    const require_ = requireFn;
    s.startCpu = nowCpu();
    try {
      // F20: the main loop runs only when `main` exports a `loop` function.
      const main = require_('main') as { loop?: unknown } | null | undefined;
      if (main !== null && typeof main === 'object' && typeof main.loop === 'function') {
        runMainLoop(main as { loop: () => void }, global, owner, defineProperty);
      }
    } catch (e) {
      status = 'error';
      s.errors.push(formatError(e, config.runtimeFile));
    }
    return stringify({ status });
  }

  function commands(commandsJson: string): string {
    if (!active) return stringify({ ran: 0 });
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
    return stringify({ ran });
  }

  /** The last finished output: a timeout in the microtask checkpoint after `run` must not lose it. */
  let lastOutput: string | null = null;

  function finish(): string {
    if (!active) {
      const out = lastOutput ?? `${stringify({ error: 'no tick in progress' })}\n0`;
      lastOutput = null;
      return out;
    }
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
        if (text.length > MAX_MEMORY) {
          // Deliberate fix over F31: the player is told; the previous Memory is kept.
          s.errors.push(`Memory was not saved: its size (${text.length} characters) exceeds the 2 MB limit`);
        } else {
          s.memory = text;
        }
      }
    }
    // Spec 3.1: Memory serialisation counts towards the tick's CPU, so `getUsed` is read after it.
    const getUsedMs = nowCpu() - s.startCpu + intents.cpu;
    const out: Record<string, unknown> = {
      console: { log: s.log, results: s.results },
      intents: intents.list,
      intentsCount: countIntents(intents.list, pristine.isArray),
      consumedCommands: s.consumed,
      getUsedMs,
    };
    // The new Memory is appended after the JSON (below), not escaped inside it.
    // F32 with deliberate fixes: only segments written this tick are saved; an invalid one is reported
    // to the player and skipped, the rest of the tick is still saved.
    const written = create(null) as Record<string, string>;
    let writtenCount = 0;
    for (const key of keys(s.segments)) {
      const value = s.segments[key];
      if (value === payload.segments[key]) continue;
      const id = pristine.parseInt(key, 10);
      if (pristine.isNaN(id) || id < 0 || id > 99) {
        s.errors.push(`"${key}" is not a valid memory segment ID`);
      } else if (typeof value !== 'string') {
        s.errors.push(`Memory segment #${key} is not a string`);
      } else if (value.length > MAX_SEGMENT) {
        s.errors.push(`Memory segment #${key} has exceeded 100 KB length limit`);
      } else if (writtenCount >= 10) {
        s.errors.push('Cannot save more than 10 memory segments on the same tick');
      } else {
        written[pristine.String(id)] = value;
        writtenCount++;
      }
    }
    if (writtenCount > 0) out.segments = written;
    if (s.activeSegments !== undefined) out.activeSegments = s.activeSegments;
    if (s.publicSegments !== undefined) out.publicSegments = s.publicSegments;
    if (s.defaultPublicSegment !== undefined) out.defaultPublicSegment = s.defaultPublicSegment;
    if (s.activeForeignSegment !== undefined) out.activeForeignSegment = s.activeForeignSegment;
    if (s.interShardLocal !== payload.interShard.local) {
      if (typeof s.interShardLocal !== 'string') s.errors.push('InterShardMemory value is not a string');
      else if (s.interShardLocal.length > MAX_SEGMENT) s.errors.push('InterShardMemory segment length exceeded 100 KB limit');
      else out.interShard = s.interShardLocal;
    }
    if (keys(s.mmo).length > 0) out.mmoCpu = s.mmo;
    let hasVisuals = false;
    for (const room of keys(s.visuals)) if (s.visuals[room]) hasVisuals = true;
    if (hasVisuals) out.visuals = s.visuals;
    out.errors = s.errors;
    active = false;
    // JSON text never holds a raw newline, so the first "\n" separates the output from the Memory.
    lastOutput = s.memory !== payload.memory ? `${stringify(out)}\n1${s.memory}` : `${stringify(out)}\n0`;
    return lastOutput;
  }

  function run(payloadJson: string, memory: string): string {
    lastOutput = null;
    const status = tick(payloadJson, memory);
    const done = finish();
    const cut = done.indexOf('\n');
    return `{"tick":${status},"output":${done.slice(0, cut)}}${done.slice(cut)}`;
  }

  return { define, tick, run, commands, finish };
}
