import { createRuntime, MemoryStorage, type RuntimeOptions, type Runtime, type PlayerTickTelemetry, type RuntimeEvents } from '../../src/index.js';

/** A runtime on a fresh in-memory store, quiet logs, 2 workers unless told otherwise. */
export async function testRuntime(options: RuntimeOptions = {}): Promise<{ runtime: Runtime; storage: MemoryStorage }> {
  const storage = new MemoryStorage();
  const runtime = await createRuntime({ poolSize: 2, logger: 'silent', storage, ...options });
  return { runtime, storage };
}

/** Collects the telemetry events of the next tick, keyed by player. */
export function collectTelemetry(runtime: Runtime): { events: PlayerTickTelemetry[]; stop: () => void } {
  const events: PlayerTickTelemetry[] = [];
  const stop = runtime.on('player:tick', (e) => events.push(e));
  return { events, stop };
}

/** Resolves with the first event of a kind that matches (a handshake, not a sleep). */
export function nextEvent<E extends keyof RuntimeEvents>(runtime: Runtime, event: E, match: (...args: RuntimeEvents[E]) => boolean = () => true): Promise<RuntimeEvents[E]> {
  return new Promise((resolve) => {
    const stop = runtime.on(event, (...args: RuntimeEvents[E]) => {
      if (!match(...args)) return;
      stop();
      resolve(args);
    });
  });
}

/** Player code that counts its ticks in a global and logs the count (a global survives in a warm isolate). */
export const COUNTER = `module.exports.loop = function () { globalThis.count = (globalThis.count || 0) + 1; console.log('count=' + count); };`;
