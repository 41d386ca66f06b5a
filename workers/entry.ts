/**
 * Piscina task module: one task = one batch of players for this worker. Imports only `src/shared` and
 * the worker's own rooms. The worker keeps its isolates between tasks (module-level state); Piscina is
 * configured with `atomics: 'disabled'` so the idle sweep timer runs between tasks.
 */
import { threadId, workerData } from 'node:worker_threads';
import type { BatchResult, BatchTask, ShutdownTask, WorkerConfig } from '../src/shared/protocol.js';
import { setThreadTimerSlack, WORKER_TIMER_SLACK_NS } from './sandbox/thread-cpu.js';
import { WorkerSandboxes } from './sandbox/worker-sandboxes.js';

// Before the first isolate, so isolated-vm's timer thread (started from this thread) inherits it.
setThreadTimerSlack(WORKER_TIMER_SLACK_NS);

const sandboxes = new WorkerSandboxes(workerData as WorkerConfig);

export default function runBatch(task: BatchTask | ShutdownTask): BatchResult | null {
  if ('shutdown' in task) {
    sandboxes.shutdown();
    return null;
  }
  const result = sandboxes.runBatch(task);
  return { ...result, worker: { ...result.worker, threadId } };
}
