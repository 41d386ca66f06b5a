/**
 * `DRIVER_MODULE` for the official Screeps server's engine processes: `@screeps/driver` for everything
 * except running players, whose `makeRuntime(userId)` runs them on the kernel (./kernel-driver.ts).
 * CommonJS because the engine loads it with `require(process.env.DRIVER_MODULE)` and uses it at once.
 * The kernel (workers, isolates) starts on the first `makeRuntime`, i.e. only in the runner process.
 */
import official = require('@screeps/driver');

interface PlayerRunner {
  makeRuntime(userId: string): Promise<unknown>;
}

// Inherits every member of the official driver, including those it sets after `connect()`.
const driver = Object.create(official as object) as Record<string, unknown>;
let runner: Promise<PlayerRunner> | undefined;
const DEFAULT_RUNNER_CONCURRENCY = 32;

function startKernel(): Promise<PlayerRunner> {
  runner ??= import('./kernel-driver.js').then((m) => m.KernelPlayerRunner.create(official));
  return runner;
}

// The runner process starts the kernel (worker threads, the game bundle) once connected, before its
// loop fetches the first player, so the first tick does not wait for it.
driver.connect = function connect(processType: string): Promise<unknown> {
  return official.connect(processType).then(async (connected: unknown) => {
    if (processType === 'runner') await startKernel();
    return connected;
  });
};

/**
 * The runner loop hands over `KERNEL_RUNNER_CONCURRENCY` players at a time (default 32) instead of
 * `RUNNER_THREADS`: the kernel runs the players that arrive together as one batch on its own threads
 * (`KERNEL_POOL_SIZE`), so more players in flight means bigger batches, not more threads. Other loops
 * (main, processors) are the driver's, unchanged.
 */
driver.startLoop = function startLoop(name: string, fn: () => Promise<unknown>): void {
  const startOfficial = official.startLoop as (name: string, fn: () => Promise<unknown>) => void;
  if (name !== 'runner') return startOfficial(name, fn);
  const concurrency = Number(process.env.KERNEL_RUNNER_CONCURRENCY ?? DEFAULT_RUNNER_CONCURRENCY);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`KERNEL_RUNNER_CONCURRENCY must be a positive integer, got ${process.env.KERNEL_RUNNER_CONCURRENCY}`);
  // The driver's loop reads its pool size from RUNNER_THREADS once, while it starts.
  const threads = process.env.RUNNER_THREADS;
  process.env.RUNNER_THREADS = String(concurrency);
  try {
    startOfficial(name, fn);
  } finally {
    if (threads === undefined) delete process.env.RUNNER_THREADS;
    else process.env.RUNNER_THREADS = threads;
  }
};

driver.makeRuntime = function makeRuntime(userId: string): Promise<unknown> {
  return startKernel().then(
    (r) => r.makeRuntime(userId),
    (error: unknown) => {
      runner = undefined;
      return Promise.reject({ error: `the kernel runtime did not start: ${error instanceof Error ? error.stack : String(error)}` });
    },
  );
};

export = driver;
