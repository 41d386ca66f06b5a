/**
 * Where the kernel runner's CPU goes, from `perf script -F comm,tid,ip,sym` output of the runner process
 * recorded with `--perf-basic-prof` (so JIT frames carry their function and script names). Each sample is
 * one stack; it is put in one category of its thread group by the frames it holds, so the categories of
 * a group add up to that group's samples. Used by `profile-runner.ts`; a pure function of the text.
 */

/** The runner's threads, by the name Linux gives them (Node 24 names its threads; on Node 22 every thread reads `node` and counts as the main thread). */
export type ThreadGroup = 'worker threads' | 'main thread' | "V8's platform threads" | 'other threads';

export interface Category {
  readonly group: ThreadGroup;
  readonly name: string;
  readonly samples: number;
}

export interface Profile {
  readonly samples: number;
  readonly byGroup: Readonly<Record<ThreadGroup, number>>;
  /** Sorted by group, then by samples (largest first). */
  readonly categories: readonly Category[];
}

export const GROUPS: readonly ThreadGroup[] = ['worker threads', 'main thread', "V8's platform threads", 'other threads'];

function groupOf(comm: string): ThreadGroup {
  if (comm === 'WorkerThread') return 'worker threads';
  if (comm === 'MainThread' || comm === 'node') return 'main thread';
  if (comm.startsWith('V8Worker') || comm.startsWith('V8 DefaultWorke')) return "V8's platform threads";
  return 'other threads';
}

/** A JIT frame: `JS:<tier marks>name <script>:line:col` (the name or the script may be empty). */
const JS_FRAME = /JS:[*^+~']*(.*?) ?(<[^>]+>|\S*):\d+:\d+(?=\s|$)/;

/** The script a JIT frame belongs to, or null for a native frame. */
export function scriptOf(frame: string): string | null {
  const m = JS_FRAME.exec(frame);
  return m === null ? null : m[2]!;
}

/** The bundle and runtime the kernel evaluates in every isolate (their script names, `src/screeps/bundle.ts` and the runtime). */
const GAME_SCRIPT = '<screeps-game>';
const RUNTIME_SCRIPT = '<runtime>';

/** Player modules are the isolate scripts that are neither the game bundle, the kernel runtime, nor host files. */
function isPlayerScript(script: string): boolean {
  return script !== '' && script !== GAME_SCRIPT && script !== RUNTIME_SCRIPT && !script.startsWith('file:') && !script.startsWith('node:') && !script.startsWith('/');
}

const GC = /Scavenge|MarkCompact|CollectGarbage|MinorGC|ConcurrentMarking|Sweeper|MarkingBarrier/;

/** Category names shared by the runner and the trivial profiles (and their tests). */
export const TIMER_THREAD = "isolated-vm's timer thread (one timer per timed call)";
export const PER_TICK_OBJECTS = 'kernel runtime in the isolate: new RawMemory, console, InterShardMemory';
export const ISOLATE_CALL = 'isolated-vm call: enter, copy arguments and result, arm the timeout';
export const ISOLATE_HANDLE = 'isolate handle calls after each tick (heap statistics, clock)';

function workerCategory(frames: readonly string[]): string {
  const text = frames.join('\n');
  if (GC.test(text)) return 'garbage collection in the thread (isolates and worker)';
  const scripts = frames.map(scriptOf).filter((s): s is string => s !== null);
  if (scripts.some(isPlayerScript)) return "the bot's code (with the game API it calls)";
  if (text.includes('makeGameObject') || text.includes(`exports.init ${GAME_SCRIPT}`)) return 'engine: building Game';
  if (scripts.includes(GAME_SCRIPT)) return 'engine: other (game bundle)';
  if (scripts.includes(RUNTIME_SCRIPT)) {
    if (text.includes('JsonParse')) return 'kernel runtime in the isolate: parsing runtimeData';
    // `Object.create(null, descriptors)` of the three per-tick objects (F14).
    if (/ObjectCreate|DefineProperties/.test(text)) return PER_TICK_OBJECTS;
    return 'kernel runtime in the isolate: other';
  }
  if (/ivm::.*IsolateHandle&/.test(text)) return ISOLATE_HANDLE;
  if (text.includes('ivm::')) return ISOLATE_CALL;
  if (scripts.length > 0) return 'worker host side (sandbox, Piscina, messages)';
  if (/exc_page_fault/.test(text)) return 'page faults (fresh pages)';
  if (/\bschedule\b|futex/.test(text)) return 'thread switches and waits';
  return 'other native';
}

/** The main thread's work goes to the module of its innermost JIT frame. */
const MAIN_RULES: readonly (readonly [string, RegExp])[] = [
  ['kernel driver module (makeRuntime, runtimeData, loader)', /kernel-driver\.js|world-loader\.js|batcher\.js|\/screeps\/official\.js/],
  ['kernel runtime (dispatch, results, telemetry)', /\/dist\/src\//],
  ['Piscina and worker messages', /piscina|messageport|event_target/],
  ['storage protocol (@screeps/common RPC, q promises, sockets)', /@screeps\/common|\/q\/q\.js|node:(net|internal\/streams|internal\/stream_base_commons)/],
  ["engine runner and @screeps/driver", /@screeps\/engine|@screeps\/driver/],
];

function mainCategory(frames: readonly string[]): string {
  const text = frames.join('\n');
  if (/ValueDeserializer|MessagePort::ReceiveMessage/.test(text)) return 'Piscina and worker messages';
  const js = frames.find((f) => scriptOf(f) !== null);
  if (js === undefined) {
    if (GC.test(text)) return 'garbage collection';
    if (/uv__read|uv__write|uv__stream_io|StreamBase|LibuvStreamWrap/.test(text)) return 'storage protocol (@screeps/common RPC, q promises, sockets)';
    return 'other native (event loop, syscalls)';
  }
  for (const [name, pattern] of MAIN_RULES) if (pattern.test(js)) return name;
  return 'other JavaScript';
}

function platformCategory(frames: readonly string[]): string {
  const text = frames.join('\n');
  if (/maglev::/i.test(text)) return 'JIT: Maglev';
  if (/OptimizedCompilationJob|compiler::|turboshaft::/.test(text)) return 'JIT: Turbofan';
  if (/Compile/.test(text)) return 'JIT: other compilation';
  if (GC.test(text) || /Marking|Sweep|Scaveng/.test(text)) return 'garbage collection';
  return 'other';
}

interface Sample {
  readonly comm: string;
  readonly tid: string;
  readonly frames: readonly string[];
}

function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    const header = lines[0];
    if (header === undefined || /^\s/.test(header)) continue;
    const m = /^(.*?)\s+(\d+)\s*$/.exec(header);
    if (m === null) continue;
    out.push({ comm: m[1]!.trim(), tid: m[2]!, frames: lines.slice(1).map((l) => l.trim()) });
  }
  return out;
}

/** A sample that shows the thread runs Node (its event loop or JavaScript): a Node worker, not a thread it started. */
function showsNode(frames: readonly string[]): boolean {
  return frames.some((f) => f.includes('node::') || f.startsWith('uv_') || scriptOf(f) !== null);
}

/** Samples of `perf script -F comm,tid,ip,sym` output, by thread group and category. */
export function classifyPerfScript(text: string): Profile {
  const all = parseSamples(text);
  // Threads a worker starts inherit its name: those never seen running Node are isolated-vm's timer
  // threads (a Node worker's samples with a broken stack stay with their thread).
  const nodeThreads = new Set(all.filter((s) => groupOf(s.comm) === 'worker threads' && showsNode(s.frames)).map((s) => s.tid));
  const counts = new Map<string, Category>();
  const byGroup: Record<ThreadGroup, number> = { 'worker threads': 0, 'main thread': 0, "V8's platform threads": 0, 'other threads': 0 };
  for (const { comm, tid, frames } of all) {
    const group = groupOf(comm);
    const name =
      group === 'worker threads'
        ? nodeThreads.has(tid)
          ? workerCategory(frames)
          : TIMER_THREAD
        : group === 'main thread'
          ? mainCategory(frames)
          : group === "V8's platform threads"
            ? platformCategory(frames)
            : 'all';
    const key = `${group}\u0000${name}`;
    const c = counts.get(key);
    counts.set(key, { group, name, samples: (c?.samples ?? 0) + 1 });
    byGroup[group]++;
  }
  const categories = [...counts.values()].sort((a, b) => GROUPS.indexOf(a.group) - GROUPS.indexOf(b.group) || b.samples - a.samples);
  return { samples: all.length, byGroup, categories };
}
