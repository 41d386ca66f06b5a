/**
 * Redis names of one queue. The first five are screepsmod-mongo's (spec 5.1, `M:lib/common/queue.js`),
 * so an official main loop or runner can share the queue; the rest are this kernel's additions for
 * leases, affinity and exactly-once, ignored by official processes.
 */
export interface QueueKeys {
  /** LIST, LPUSH by the main loop, popped from the tail (FIFO: largest `lastUsedDirtyTime` first, F1). */
  readonly pending: string;
  /** LIST of fetched, not yet done players. */
  readonly processing: string;
  /** Pub/sub: players were added. */
  readonly addChannel: string;
  /** Pub/sub: a runner marked players done. */
  readonly doneChannel: string;
  /** Pub/sub: the main loop saw the queue drained (`queueDone:usersIvm`). */
  readonly drainedChannel: string;
}

/** The official queue name for player scripts (the driver renames `users` to `usersIvm`, spec 1.0). */
export const USERS_QUEUE = 'usersIvm';

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function queueKeys(name: string): QueueKeys {
  if (!NAME.test(name)) throw new TypeError(`Invalid queue name ${JSON.stringify(name)}: expected 1-64 characters of [A-Za-z0-9_.-]`);
  return {
    pending: `${name}Pending`,
    processing: `${name}Processing`,
    addChannel: `queue_${name}_add`,
    doneChannel: `queue_${name}_done`,
    drainedChannel: `queueDone:${name}`,
  };
}
