/**
 * Baseline worker: warm isolated-vm isolates called directly, nothing else (no kernel runtime, no CPU
 * clock, no heap checks, no storage). This file imports isolated-vm and is run by piscina directly on
 * purpose: benchmarks are measurement tools that need the floor under the kernel, so the
 * one-importer-per-package rule of the source tree does not apply here.
 *
 * Modes: `warm` keeps one isolate per player across tasks (Memory kept in this worker, like the
 * feasibility study's floor); `fresh` creates, runs and disposes an isolate per player per tick (the C#
 * port's design).
 */
import ivm from 'isolated-vm';

export interface FloorTask {
  readonly mode: 'warm' | 'fresh';
  readonly code: string;
  readonly players: readonly string[];
  readonly gameTime: number;
  readonly memory: string;
  readonly memoryLimitMb: number;
}

export interface FloorResult {
  readonly ran: number;
  readonly errors: number;
}

interface Held {
  readonly isolate: ivm.Isolate;
  readonly context: ivm.Context;
  readonly tick: ivm.Reference<(time: number, memory: string) => string>;
  memory: string;
}

/**
 * The least a Screeps-like runtime must provide for the benchmark scripts: the module wrapper, a lazy
 * `Memory` parsed from a string and stringified back only when touched, `RawMemory.segments`, `Game`.
 */
function shim(code: string): string {
  return `globalThis.__tick = (function () {
  const module = { exports: {} };
  (function (module, exports) {\n${code}\n})(module, module.exports);
  let raw = ''; let parsed;
  const segments = {};
  globalThis.RawMemory = { segments, setActiveSegments() {}, get() { return raw; }, set(v) { raw = v; parsed = undefined; } };
  Object.defineProperty(globalThis, 'Memory', { configurable: true, get() { if (parsed === undefined) parsed = raw ? JSON.parse(raw) : {}; return parsed; }, set(v) { parsed = v; } });
  globalThis.console = { log() {} };
  globalThis.Game = { time: 0, cpu: { limit: 100, tickLimit: 500, bucket: 10000, getUsed() { return 0; } } };
  return function (time, memory) {
    Game.time = time; raw = memory; parsed = undefined;
    module.exports.loop();
    return parsed === undefined ? raw : JSON.stringify(parsed);
  };
})();`;
}

const held = new Map<string, Held>();
let compiledFor: string | null = null;
let source = '';

function create(code: string, memoryLimitMb: number, memory: string): Held {
  if (compiledFor !== code) {
    source = shim(code);
    compiledFor = code;
  }
  const isolate = new ivm.Isolate({ memoryLimit: memoryLimitMb });
  const context = isolate.createContextSync();
  isolate.compileScriptSync(source).runSync(context, { timeout: 2000 });
  const tick = context.global.getSync('__tick', { reference: true }) as ivm.Reference<(time: number, memory: string) => string>;
  return { isolate, context, tick, memory };
}

export default function run(task: FloorTask): FloorResult {
  let errors = 0;
  for (const userId of task.players) {
    let h = held.get(userId);
    if (h === undefined || task.mode === 'fresh') {
      h = create(task.code, task.memoryLimitMb, h?.memory ?? task.memory);
      if (task.mode === 'warm') held.set(userId, h);
    }
    try {
      h.memory = h.tick.applySync(undefined, [task.gameTime, h.memory], { timeout: 500 });
    } catch {
      errors++;
    }
    if (task.mode === 'fresh') {
      h.tick.release();
      h.context.release();
      h.isolate.dispose();
      held.set(userId, h);
    }
  }
  return { ran: task.players.length, errors };
}
