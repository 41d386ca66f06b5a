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
