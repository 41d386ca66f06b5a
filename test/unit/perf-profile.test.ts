import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyPerfScript, ISOLATE_CALL, ISOLATE_HANDLE, PER_TICK_OBJECTS, scriptOf, TIMER_THREAD } from '../../benchmarks/perf-profile.js';

/** One sample of `perf script -F comm,tid,ip,sym`: the header, then the frames, innermost first. */
const sample = (comm: string, ...frames: string[]): string => sampleOf(comm, '4242', ...frames);
const sampleOf = (comm: string, tid: string, ...frames: string[]): string => [`${comm} ${tid} `, ...frames.map((f, i) => `\t    7f00000${i}abc ${f}`)].join('\n');

const count = (text: string, name: string): number => classifyPerfScript(text).categories.find((c) => c.name === name)?.samples ?? 0;

describe('runner profile categories (perf script)', () => {
  it('reads the script of a JIT frame, empty or in angle brackets, and none of a native frame', () => {
    assert.equal(scriptOf("JS:^tick <runtime>:856:18"), '<runtime>');
    assert.equal(scriptOf("JS:*'run file:///app/dist/workers/sandbox/player-sandbox.js:164:8"), 'file:///app/dist/workers/sandbox/player-sandbox.js');
    assert.equal(scriptOf("JS:+'harvest role.harvester:12:3"), 'role.harvester');
    assert.equal(scriptOf("JS:+'get :5:20"), '');
    assert.equal(scriptOf('JS:* /app/node_modules/q/q.js:877:39'), '/app/node_modules/q/q.js');
    assert.equal(scriptOf('v8::internal::JsonParser<unsigned char>::ParseJson'), null);
  });

  it('puts a worker sample in the bot, the engine or the kernel runtime by the isolate frames it holds', () => {
    const bot = sample('WorkerThread', 'Builtins_LoadIC', "JS:^findClosestByPath <screeps-game>:100:1", "JS:+'run role.harvester:12:3", "JS:^loop main:1:1", "JS:^tick <runtime>:856:18");
    const build = sample('WorkerThread', "JS:^findCacheFn <screeps-game>:16050:29", "JS:^makeGameObject <screeps-game>:16083:29", "JS:^tick <runtime>:856:18");
    const parse = sample('WorkerThread', 'v8::internal::JsonParser<unsigned char>::ParseJsonObject', 'v8::internal::Builtin_JsonParse', "JS:^tick <runtime>:856:18");
    const host = sample('WorkerThread', "JS:*'run file:///app/dist/workers/sandbox/player-sandbox.js:164:8");
    const gc = sample('WorkerThread', 'v8::internal::Scavenger::ScavengeObject', "JS:^makeGameObject <screeps-game>:16083:29");
    const text = [bot, build, parse, host, gc].join('\n\n');
    assert.equal(count(text, "the bot's code (with the game API it calls)"), 1);
    assert.equal(count(text, 'engine: building Game'), 1);
    assert.equal(count(text, 'kernel runtime in the isolate: parsing runtimeData'), 1);
    assert.equal(count(text, 'worker host side (sandbox, Piscina, messages)'), 1);
    assert.equal(count(text, 'garbage collection in the thread (isolates and worker)'), 1);
    const profile = classifyPerfScript(text);
    assert.equal(profile.samples, 5);
    assert.equal(profile.byGroup['worker threads'], 5);
  });

  it('puts a main-thread sample under the module of its innermost JIT frame, and sorts V8 threads into JIT and GC', () => {
    const rpc = sample('MainThread', 'v8::internal::JsonParser<unsigned char>::ScanJsonString', "JS:*'_parse /app/node_modules/@screeps/common/lib/rpc.js:16:11", "JS:+'makeRuntime file:///app/dist/src/screeps/kernel-driver.js:70:22");
    const driver = sample('MainThread', 'v8::internal::JsonStringifier::Serialize_', "JS:+'makeRuntime file:///app/dist/src/screeps/kernel-driver.js:70:22");
    const socket = sample('MainThread', '__GI___libc_write', 'uv__write', 'uv__stream_io');
    const maglev = sample('V8Worker', 'v8::internal::maglev::MaglevGraphBuilder::Build', 'v8::platform::DefaultJobWorker::Run');
    const marking = sample('V8Worker', 'v8::internal::ConcurrentMarking::RunMajor');
    const text = [rpc, driver, socket, maglev, marking].join('\n\n');
    assert.equal(count(text, 'storage protocol (@screeps/common RPC, q promises, sockets)'), 2);
    assert.equal(count(text, 'kernel driver module (makeRuntime, runtimeData, loader)'), 1);
    assert.equal(count(text, 'JIT: Maglev'), 1);
    assert.equal(count(text, 'garbage collection'), 1);
    const profile = classifyPerfScript(text);
    assert.deepEqual([profile.byGroup['main thread'], profile.byGroup["V8's platform threads"]], [3, 2]);
  });

  it('tells the kernel cost of a trivial tick apart: per-tick objects, the isolate call, heap statistics, and the timer thread by its thread', () => {
    const objects = sampleOf('WorkerThread', '11', 'v8::internal::JSReceiver::DefineProperties', 'Builtins_ObjectCreate', 'JS:^ <runtime>:251:12', 'JS:^tick <runtime>:856:18', 'node::worker::Worker::Run');
    const call = sampleOf('WorkerThread', '11', 'v8::Context::Enter', 'ivm::ApplyRunner::Phase2', "JS:*'run file:///app/dist/workers/sandbox/player-sandbox.js:164:8", 'node::worker::Worker::Run');
    const heap = sampleOf('WorkerThread', '11', 'v8::Isolate::GetHeapStatistics', 'ivm::detail::CallbackMaker<v8::Local<v8::Value> (*)(ivm::IsolateHandle&)>', "JS:*'run file:///app/dist/workers/sandbox/player-sandbox.js:164:8");
    const other = sampleOf('WorkerThread', '11', 'Builtins_LoadIC', 'JS:^tick <runtime>:856:18');
    // Thread 12 (same name) never shows Node: a thread the worker started. Thread 11's broken stack stays with it.
    const timer = sampleOf('WorkerThread', '12', 'clock_nanosleep@GLIBC_2.2.5', '[unknown]');
    const broken = sampleOf('WorkerThread', '11', '_int_malloc', '[unknown]');
    const text = [objects, call, heap, other, timer, broken].join('\n\n');
    assert.equal(count(text, PER_TICK_OBJECTS), 1);
    assert.equal(count(text, ISOLATE_CALL), 1);
    assert.equal(count(text, ISOLATE_HANDLE), 1);
    assert.equal(count(text, 'kernel runtime in the isolate: other'), 1);
    assert.equal(count(text, TIMER_THREAD), 1);
    assert.equal(count(text, 'other native'), 1);
    assert.equal(classifyPerfScript(text).byGroup['worker threads'], 6);
  });
});
