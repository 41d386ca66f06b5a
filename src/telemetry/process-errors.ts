type Listener = (...args: unknown[]) => void;

/** Every `unhandledRejection` listener any runtime of this process installed. */
const OURS = new WeakSet<Listener>();

/**
 * Reports unhandled rejections and uncaught exceptions of the host process while a runtime is open;
 * returns the function that removes the listeners (called by `runtime.close()`).
 *
 * Node's default behaviour is kept: `uncaughtExceptionMonitor` only observes, and since any
 * `unhandledRejection` listener turns off Node's crash-on-unhandled-rejection, the first of our
 * listeners re-throws when the host installed none of its own (Node then ends the process as it would
 * have). A host that handles rejections itself keeps its own policy; we only log.
 */
export function watchProcessErrors(report: (kind: 'unhandledRejection' | 'uncaughtException', error: unknown) => void): () => void {
  let rethrown: unknown = undefined;
  const rejection: Listener = (reason) => {
    report('unhandledRejection', reason);
    const listeners = process.listeners('unhandledRejection') as Listener[];
    const hostHandles = listeners.some((l) => !OURS.has(l));
    if (!hostHandles && listeners.find((l) => OURS.has(l)) === rejection) {
      rethrown = reason;
      throw reason;
    }
  };
  const exception: Listener = (error, origin) => {
    // The re-thrown rejection arrives here once more; it was reported already.
    if (error === rethrown && rethrown !== undefined) return;
    if (origin === 'uncaughtException') report('uncaughtException', error);
  };
  OURS.add(rejection);
  process.on('unhandledRejection', rejection);
  process.on('uncaughtExceptionMonitor', exception);
  return () => {
    process.off('unhandledRejection', rejection);
    process.off('uncaughtExceptionMonitor', exception);
  };
}
