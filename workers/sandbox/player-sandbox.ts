import ivm from 'isolated-vm';
import type { CodeHash, Modules, UserId } from '../../src/shared/ids.js';
import { dropsIsolate, keepsResults, type ColdStartReason } from '../../src/shared/outcome.js';
import { callTimeoutMs, FINISH_GRACE_MS, type HeapFigures, type PlayerOutput, type RunRequest, type RunResult, type WorkerConfig } from '../../src/shared/protocol.js';
import type { RarePayload, TickArgs } from '../isolate/install.js';
import { decodeFrame } from '../isolate/framing.js';
import { RUNTIME_FILE, runtimeSource } from '../isolate/source.js';
import { classifyError, type Failure } from './failure.js';
import type { GcBudget } from './gc.js';
import { checkOutput, malformedMessage, type TickOutput } from './output.js';
import type { ScriptCache } from './script-cache.js';
import type { BundleMaps, SourceMapCache } from './source-maps.js';
import type { ThreadCpuClock } from './thread-cpu.js';

export type SandboxSettings = Pick<WorkerConfig, 'memoryLimitMb' | 'wasmMemoryLimitMb' | 'consoleCommandTimeoutMs' | 'maxConsoleKbPerTick' | 'shardName' | 'mmoCpuApi'> & {
  /** The host game layer's bootstrap; `key` names its compiled code in the script cache. */
  readonly hostBootstrap:
    | {
        readonly source: string;
        readonly filename: string;
        readonly key: string;
        readonly nativeModules: readonly { readonly name: string; readonly module: ivm.NativeModule }[];
        /** One ExternalCopy per SharedArrayBuffer: each `copyInto` gives an isolate the same memory. */
        readonly sharedBuffers: readonly { readonly name: string; readonly copy: ivm.ExternalCopy<SharedArrayBuffer> }[];
      }
    | undefined;
  readonly sourceMaps: SourceMapCache;
  readonly scripts: ScriptCache;
  readonly clock: ThreadCpuClock;
  /** Counts the external strings that results leave in this thread (see `gc.ts`). */
  readonly external: GcBudget;
};

/** Share of the heap limit at which an isolate is recycled after its tick. */
const HEAP_RECYCLE_RATIO = 0.9;
/** Growth of an isolate's external memory (mostly Memory arguments, see `gc.ts`) that triggers a full collection in it. */
const ISOLATE_EXTERNAL_GC_BYTES = 8 * 1024 * 1024;
/** Strings from 1 KB cross between isolates as external strings (isolated-vm). */
const EXTERNAL_STRING_BYTES = 1024;
/** Timeout of trusted setup calls (installing the runtime and the modules' wrappers). */
const SETUP_TIMEOUT_MS = 2000;
/** The runtime's key in the script cache. */
const RUNTIME_KEY = 'runtime';
/** `ok` ticks after which an isolate's compiled functions go into the worker's code caches (once per worker). */
const CODE_CACHE_REFRESH_TICKS = 3;
/** A module's code cache key and script origin (one line above the player's first: the wrapper's). */
const moduleKey = (codeHash: CodeHash, name: string): string => `${codeHash}:${name}`;
const moduleOrigin = (name: string) => ({ filename: name, lineOffset: -1 });
/**
 * The module wrapper of F19, on a line of its own: compiled with `lineOffset: -1` so player line and
 * column numbers are exactly those of their source (the official wrapper shifts line 1 by 36 columns).
 */
const wrapModule = (name: string, code: string): string =>
  `__kernel.define(${JSON.stringify(name)}, 'js', function __module(module, exports) {\n${code}\n});`;

/** An isolate with the runtime installed and no player yet (`PlayerSandbox.prepare`). */
export interface PreparedIsolate {
  readonly isolate: ivm.Isolate;
  readonly context: ivm.Context;
  /** Filled by `create`: who a halt belongs to. */
  readonly owner: { sandbox: PlayerSandbox | null };
}

type RunnerRefs = {
  readonly run: ivm.Reference<(...args: TickArgs) => string>;
  readonly tick: ivm.Reference<(...args: TickArgs) => string>;
  readonly commands: ivm.Reference<(commands: string) => string>;
  readonly finish: ivm.Reference<() => string>;
  readonly collect: ivm.Reference<() => void>;
};

/**
 * One player's isolate, held warm across ticks (F12, F14). Player code is reached only through the
 * isolate code's `run`/`tick`/`commands`/`finish`, each called synchronously with a timeout; they
 * return primitive JSON strings, so nothing a player controls is converted on the host side.
 */
export class PlayerSandbox {
  readonly userId: UserId;
  readonly codeHash: CodeHash;
  /** The code timestamp this isolate started with: a newer upload resets it, even with the same code (F13). */
  codeTimestamp = 0;
  lastUsed = Date.now();
  readonly #isolate: ivm.Isolate;
  readonly #context: ivm.Context;
  readonly #refs: RunnerRefs;
  readonly #settings: SandboxSettings;
  readonly #maps: BundleMaps;
  #haltRequested = false;
  #disposed = false;
  /** Ticks that ended `ok` (the code caches are refreshed from an isolate after a few of them). */
  #okTicks = 0;
  /** The player's modules (the worker's code store holds them too): their code caches are refreshed with the others. */
  readonly #modules: Modules;
  /** External memory of the isolate after its last full collection. */
  #externalBaseline = 0;

  private constructor(userId: UserId, codeHash: CodeHash, isolate: ivm.Isolate, context: ivm.Context, refs: RunnerRefs, settings: SandboxSettings, maps: BundleMaps, modules: Modules) {
    this.#maps = maps;
    this.#modules = modules;
    this.userId = userId;
    this.codeHash = codeHash;
    this.#isolate = isolate;
    this.#context = context;
    this.#refs = refs;
    this.#settings = settings;
  }

  /**
   * An isolate with the runtime (from cachedData) and the host bootstrap installed, not yet anyone's:
   * `create` gives it a player. Made ahead of need for spare isolates (`spareIsolates`).
   */
  static prepare(settings: SandboxSettings): PreparedIsolate {
    const owner: PreparedIsolate['owner'] = { sandbox: null };
    const isolate = new ivm.Isolate({
      memoryLimit: settings.memoryLimitMb,
      // Registered for its side effect: with a handler, isolated-vm parks the thread that lost control
      // of V8 instead of aborting the process (README "Hung threads"). Who caused it is known without
      // the handler: the main thread's heartbeat declares the hang and the suspect journal names the
      // player (the handler is only queued to this worker's event loop, blocked while the call runs).
      onCatastrophicError: () => undefined,
    });
    try {
      const context = isolate.createContextSync();
      const jail = context.global;
      jail.setSync('_kernelIsolate', isolate);
      jail.setSync(
        '_kernelHalt',
        new ivm.Callback(() => {
          if (owner.sandbox) owner.sandbox.#haltRequested = true;
          isolate.dispose();
        }),
      );
      jail.setSync(
        '_kernelConfig',
        new ivm.ExternalCopy({
          shard: settings.shardName,
          maxConsoleBytes: settings.maxConsoleKbPerTick * 1024,
          wasmMaxPages: settings.wasmMemoryLimitMb * 16,
          runtimeFile: RUNTIME_FILE,
          mmoCpuApi: settings.mmoCpuApi,
        }).copyInto(),
      );
      settings.scripts.compile(isolate, RUNTIME_KEY, runtimeSource(), { filename: RUNTIME_FILE }).runSync(context, { timeout: SETUP_TIMEOUT_MS });
      const host = settings.hostBootstrap;
      if (host !== undefined) {
        for (const { name, module } of host.nativeModules) jail.setSync(name, module.createSync(context).derefInto());
        for (const { name, copy } of host.sharedBuffers) jail.setSync(name, copy.copyInto());
        // The host game layer, once per isolate, from cachedData after the first isolate on this worker.
        const script = settings.scripts.compile(isolate, host.key, host.source, { filename: host.filename });
        script.runSync(context, { timeout: SETUP_TIMEOUT_MS });
        script.release();
      }
      return { isolate, context, owner };
    } catch (e) {
      if (!isolate.isDisposed) isolate.dispose();
      throw e;
    }
  }

  /**
   * How many of the scripts a prepared isolate is made from (the runtime, the host bootstrap) have had
   * their code caches refreshed: spares made at a lower count start colder than new ones would.
   */
  static refreshedBase(settings: SandboxSettings): number {
    const keys = settings.hostBootstrap === undefined ? [RUNTIME_KEY] : [RUNTIME_KEY, settings.hostBootstrap.key];
    return keys.filter((key) => settings.scripts.isRefreshed(key)).length;
  }

  /** Gives a prepared isolate (a new one by default) to a player: installs the player's modules. */
  static create(userId: UserId, codeHash: CodeHash, modules: Modules, settings: SandboxSettings, prepared: PreparedIsolate = PlayerSandbox.prepare(settings)): PlayerSandbox {
    const { isolate, context, owner } = prepared;
    try {
      const jail = context.global;
      const kernel = jail.getSync('__kernel', { reference: true }) as ivm.Reference<Record<string, unknown>>;
      const ref = <T>(name: string) => kernel.getSync(name, { reference: true }) as ivm.Reference<T>;
      const define = ref<(name: string, kind: string, value: string) => void>('define');
      for (const [name, source] of Object.entries(modules)) {
        if (typeof source !== 'string') {
          define.applySync(undefined, [name, 'binary', source.binary], { timeout: SETUP_TIMEOUT_MS });
          continue;
        }
        let script: ivm.Script;
        try {
          script = settings.scripts.compile(isolate, moduleKey(codeHash, name), wrapModule(name, source), moduleOrigin(name));
        } catch (e) {
          // F19: a module that does not compile throws its SyntaxError when required, every tick.
          define.applySync(undefined, [name, 'error', e instanceof Error ? e.message : String(e)], { timeout: SETUP_TIMEOUT_MS });
          continue;
        }
        script.runSync(context, { timeout: SETUP_TIMEOUT_MS });
        script.release();
      }
      const refs: RunnerRefs = { run: ref('run'), tick: ref('tick'), commands: ref('commands'), finish: ref('finish'), collect: ref('collect') };
      define.release();
      kernel.release();
      // F12: bootstrap globals are removed before the player's code runs.
      context.evalSync('delete globalThis.__kernel; delete globalThis.__kernelHost;', { timeout: SETUP_TIMEOUT_MS });
      const sandbox = new PlayerSandbox(userId, codeHash, isolate, context, refs, settings, settings.sourceMaps.forBundle(codeHash, modules), modules);
      owner.sandbox = sandbox;
      return sandbox;
    } catch (e) {
      if (!isolate.isDisposed) isolate.dispose();
      throw e;
    }
  }

  get isDisposed(): boolean {
    return this.#disposed || this.#isolate.isDisposed;
  }

  /** Runs one tick. Never throws for a player's fault: the outcome says what happened. */
  run(request: RunRequest, coldStart: ColdStartReason | null, createMs: number, notices: readonly string[]): RunResult {
    this.lastUsed = Date.now();
    this.#haltRequested = false;
    const { clock } = this.#settings;
    const args = tickArgs(request);
    const errors: string[] = [...notices];
    let outcome: RunResult['outcome'] = 'ok';
    let output: TickOutput | undefined;
    let failure: Failure | undefined;
    const reported0 = this.#isolate.cpuTime;
    const wall0 = performance.now();
    const cpu0 = clock.now();
    // One deadline for the whole tick (issue 13): each timed call gets what is left of it, so a timeout
    // in one call never buys a fresh timeout for the next. isolated-vm reads a timeout of 0 as none.
    const deadline = wall0 + callTimeoutMs(request.cpu.tickLimit);
    const left = (): number => Math.ceil(deadline - performance.now());
    const timeout = (): number => Math.max(1, left());
    // Collecting results always gets at least the grace: a loop that used its whole budget still has
    // its partial results saved (F22/F42), within the stated overshoot.
    const finishTimeout = (): number => Math.max(FINISH_GRACE_MS, left());
    try {
      if (request.consoleCommands.length === 0) {
        const { json, memory } = decodeFrame(this.#received(this.#refs.run.applySync(undefined, args, { timeout: timeout() })));
        const result = JSON.parse(json) as { tick?: { status?: unknown }; output?: unknown } | null;
        if (result?.tick?.status === 'error') outcome = 'scriptError';
        output = this.#accept(withMemory(result?.output, memory), (f) => (failure ??= f));
      } else {
        const status = this.#call(() => JSON.parse(this.#refs.tick.applySync(undefined, args, { timeout: timeout() })) as { status?: unknown } | null);
        if ('failure' in status) failure = status.failure;
        else if (status.value?.status === 'error') outcome = 'scriptError';
        // Console commands run after the loop, even when it threw, within what is left of the tick's
        // deadline. Commands that do not start stay queued (only started ones are reported consumed).
        if ((failure === undefined || failure.kind === 'timedOut') && left() > 0) {
          const commandsTimeout = Math.min(this.#settings.consoleCommandTimeoutMs, timeout());
          const commands = JSON.stringify(request.consoleCommands);
          const ran = this.#call(() => this.#refs.commands.applySync(undefined, [commands], { timeout: commandsTimeout }));
          if ('failure' in ran && ran.failure.kind !== 'timedOut') failure = ran.failure;
          else if ('failure' in ran) errors.push(`Console command timed out after ${commandsTimeout} ms`);
        }
        if (failure === undefined || failure.kind === 'timedOut') output = this.#finish(finishTimeout(), (f) => (failure ??= f));
      }
    } catch (e) {
      failure = classifyError(e, this.#isolate.isDisposed, this.#haltRequested);
      // F22/F42: after a timeout of the loop, the tick's partial results are still collected and saved.
      // If the timeout struck inside `finish` itself, the in-isolate `finish` answers without running
      // anything again (it never runs player code twice in one tick).
      if (failure.kind === 'timedOut') output = this.#finish(finishTimeout(), () => undefined);
    }
    // Player stacks are mapped to the player's own sources when the bundle ships source maps. Parsing a
    // map (once per bundle) is the player's work, so it is inside the billed region.
    const playerErrors = output?.errors?.map((error) => this.#maps.mapStack(error)) ?? [];
    const billedMs = (clock.now() - cpu0) / 1e6;
    const wallMs = performance.now() - wall0;
    let reportedMs = wallMs;
    let heap: HeapFigures | undefined;
    let recycled: string | undefined;
    if (!this.#isolate.isDisposed) {
      reportedMs = Number(this.#isolate.cpuTime - reported0) / 1e6;
      const stats = this.#isolate.getHeapStatisticsSync();
      heap = {
        usedHeapSize: stats.used_heap_size,
        totalHeapSize: stats.total_heap_size,
        heapSizeLimit: stats.heap_size_limit,
        externallyAllocatedSize: stats.externally_allocated_size,
      };
      if (stats.used_heap_size + stats.externally_allocated_size >= HEAP_RECYCLE_RATIO * stats.heap_size_limit) {
        recycled = 'heapNearLimit';
      } else if (stats.externally_allocated_size - this.#externalBaseline > Math.min(ISOLATE_EXTERNAL_GC_BYTES, stats.heap_size_limit / 8)) {
        this.#collect();
      }
    }
    if (failure !== undefined) {
      outcome = failure.kind;
      // A timeout carries the player's frames at the moment it fired: mapped like any player stack.
      errors.push(failure.kind === 'timedOut' ? this.#maps.mapStack(failure.message) : failure.message);
    }
    errors.push(...playerErrors);
    if (dropsIsolate(outcome) || this.#isolate.isDisposed) recycled ??= outcome;
    if (outcome === 'ok' && ++this.#okTicks === CODE_CACHE_REFRESH_TICKS && recycled === undefined) this.#refreshCodeCaches();
    const base = {
      userId: request.userId,
      gameTime: request.gameTime,
      errors,
      cpu: { billedMs, reportedMs, wallMs },
      sandbox: recycled === undefined ? { coldStart, createMs } : { coldStart, createMs, recycled },
      ...(heap ? { heap } : {}),
    };
    if (!keepsResults(outcome)) return { ...base, outcome };
    return output ? { ...base, outcome, output: stripErrors(output) } : { ...base, outcome };
  }

  /**
   * Once per worker and script, from the first isolate that has run a few ticks (outside the billed
   * region): the cachedData of the runtime, the host bootstrap and this player's modules are made again
   * from this isolate, so they hold the functions its ticks compiled (`ScriptCache.refresh`). Isolates
   * made from then on skip compiling them (a new simplebot's first tick on the official game API: 11-13
   * → 6-9 ms of CPU in its isolate). Bytecode of the same source only, so nothing of this player's state is in it. A failure keeps
   * the caches as they were.
   */
  #refreshCodeCaches(): void {
    const { scripts, hostBootstrap: host } = this.#settings;
    scripts.refresh(this.#isolate, RUNTIME_KEY, runtimeSource(), { filename: RUNTIME_FILE });
    if (host !== undefined) scripts.refresh(this.#isolate, host.key, host.source, { filename: host.filename });
    for (const [name, source] of Object.entries(this.#modules)) {
      if (typeof source === 'string') scripts.refresh(this.#isolate, moduleKey(this.codeHash, name), wrapModule(name, source), moduleOrigin(name));
    }
  }

  /**
   * A full collection inside the isolate, outside the billed region: it frees the external strings the
   * kernel's own Memory arguments left there (`gc.ts`). A failure is ignored (the next tick finds out).
   */
  #collect(): void {
    try {
      this.#refs.collect.applySync(undefined, [], { timeout: SETUP_TIMEOUT_MS });
      this.#externalBaseline = this.#isolate.getHeapStatisticsSync().externally_allocated_size;
    } catch {
      // Disposed or timed out: reported by the next run.
    }
  }

  /** Counts a string that came out of the isolate towards this thread's collection budget. */
  #received(text: string): string {
    if (text.length >= EXTERNAL_STRING_BYTES) this.#settings.external.add(text.length);
    return text;
  }

  /** Collects the tick's results; a failure here (timeout, disposal) is reported through `onFailure`. */
  #finish(timeout: number, onFailure: (failure: Failure) => void): TickOutput | undefined {
    if (this.#isolate.isDisposed) return undefined;
    const done = this.#call(() => {
      const { json, memory } = decodeFrame(this.#received(this.#refs.finish.applySync(undefined, [], { timeout })));
      return withMemory(JSON.parse(json) as unknown, memory);
    });
    if ('failure' in done) {
      onFailure(done.failure);
      return undefined;
    }
    // `{error}` when there was no tick to finish (it never started): nothing to save.
    const value = done.value;
    if (value !== null && typeof value === 'object' && 'error' in value && !('intents' in value)) return undefined;
    return this.#accept(value, onFailure);
  }

  /** Checks an output parsed from the isolate; a malformed one is a script error of its author only. */
  #accept(value: unknown, onFailure: (failure: Failure) => void): TickOutput | undefined {
    const checked = checkOutput(value);
    if ('output' in checked) return checked.output;
    onFailure({ kind: 'scriptError', message: malformedMessage(checked.malformed) });
    return undefined;
  }

  #call<T>(fn: () => T): { value: T } | { failure: Failure } {
    try {
      return { value: fn() };
    } catch (e) {
      return { failure: classifyError(e, this.#isolate.isDisposed, this.#haltRequested) };
    }
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    if (!this.#isolate.isDisposed) {
      // R19: release handles before disposing the isolate.
      for (const ref of Object.values(this.#refs)) ref.release();
      this.#context.release();
      this.#isolate.dispose();
    }
  }
}

/**
 * The isolate code's `tick`/`run` arguments (`TickArgs`): `rare` is `''` when its fields are all empty.
 * The host data (the official runtimeData, often 50 KB or more of JSON) is its own string argument, like
 * Memory: nested in `rare` it was escaped and parsed once more every tick (about 260 µs for 63 KB).
 */
function tickArgs(request: RunRequest): TickArgs {
  const { segments, interShard, foreignSegment, hostData, mmoCpu } = request;
  const rare: RarePayload = {};
  if (hasKeys(segments)) rare.segments = segments;
  if (interShard.local !== '' || hasKeys(interShard.remote)) rare.interShard = interShard;
  if (foreignSegment !== undefined) rare.foreignSegment = foreignSegment;
  if (mmoCpu !== undefined) rare.mmoCpu = mmoCpu;
  const { limit, tickLimit, bucket } = request.cpu;
  return [request.gameTime, limit, tickLimit, bucket, request.code.timestamp, request.userId, request.username, request.memory, hasKeys(rare) ? JSON.stringify(rare) : '', hostData ?? ''];
}

function hasKeys(record: object): boolean {
  for (const _ in record) return true;
  return false;
}

/** Puts the Memory that travelled beside the output back into it, before the output is checked. */
function withMemory(output: unknown, memory: string | undefined): unknown {
  if (memory !== undefined && output !== null && typeof output === 'object' && 'intents' in output) (output as { memory?: string }).memory = memory;
  return output;
}

function stripErrors(output: TickOutput): PlayerOutput {
  const { errors: _errors, ...rest } = output;
  return rest;
}
