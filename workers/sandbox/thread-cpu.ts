import * as fs from 'node:fs';
import { createRequire } from 'node:module';

type Native = { threadCpuNs(): number; setTimerSlackNs?(ns: number): boolean };

let native: Native | null | undefined;

/** The small addon in `native/thread-cpu`, built by `npm ci` (the package's install script); loaded once per thread. */
function loadNative(): Native | null {
  if (native !== undefined) return native;
  try {
    const require = createRequire(import.meta.url);
    const loaded = require(new URL('../../../native/thread-cpu/build/Release/thread_cpu.node', import.meta.url).pathname) as Native;
    native = typeof loaded.threadCpuNs() === 'number' ? loaded : null;
  } catch {
    native = null;
  }
  return native;
}

/**
 * The worker threads' timer slack: a timeout can fire up to 1 ms late, against one wake-up of
 * isolated-vm's timer thread per player-tick with Linux's default 50 µs (see `setThreadTimerSlack`).
 */
export const WORKER_TIMER_SLACK_NS = 1_000_000;

/**
 * Sets the calling thread's timer slack (Linux: how late the kernel may wake the thread's timed sleeps,
 * to batch wake-ups), inherited by the threads it starts later. Through the addon (`prctl`), else
 * through `/proc/<tid>/timerslack_ns`. Returns false where neither works (other systems): nothing changes.
 *
 * Why the worker threads set it: every isolated-vm call with a timeout queues a timer on isolated-vm's
 * timer thread, which the calling thread starts, and that thread sleeps until each timer's deadline even
 * after the call returned and cancelled it. With one call per player-tick that is one wake-up per
 * player-tick; a slack of a millisecond lets one wake-up reap all the deadlines of that millisecond.
 */
export function setThreadTimerSlack(ns: number): boolean {
  if (process.platform !== 'linux') return false;
  if (loadNative()?.setTimerSlackNs?.(ns) === true) return true;
  try {
    const tid = fs.readlinkSync('/proc/thread-self').split('/').pop();
    fs.writeFileSync(`/proc/${tid}/timerslack_ns`, String(Math.round(ns)));
    return true;
  } catch {
    return false;
  }
}

/**
 * Real CPU time of the calling thread, in nanoseconds. isolated-vm's `cpuTime` is wall time on Linux
 * (a build-flag bug), so players are billed from this clock instead.
 * - `thread`: `clock_gettime(CLOCK_THREAD_CPUTIME_ID)` through the bundled addon (~0.7 µs, exact);
 * - `schedstat`: `/proc/thread-self/schedstat` (stale by up to a scheduler tick for a running thread,
 *   so only right on average), used if the addon is missing;
 * - `wall`: a monotonic wall clock, where neither exists.
 */
export class ThreadCpuClock {
  readonly kind: 'thread' | 'schedstat' | 'wall';
  readonly #native: Native | null;
  readonly #fd: number | null;
  readonly #buffer = Buffer.alloc(96);

  constructor() {
    this.#native = loadNative();
    let fd: number | null = null;
    if (this.#native === null) {
      try {
        const opened = fs.openSync('/proc/thread-self/schedstat', 'r');
        fd = opened;
        this.#readFd(opened);
      } catch {
        if (fd !== null) fs.closeSync(fd);
        fd = null;
      }
    }
    this.#fd = fd;
    this.kind = this.#native !== null ? 'thread' : fd !== null ? 'schedstat' : 'wall';
  }

  /** Nanoseconds of CPU used by this thread so far (or a monotonic wall clock in `wall` mode). */
  now(): number {
    if (this.#native !== null) return this.#native.threadCpuNs();
    return this.#fd === null ? Number(process.hrtime.bigint()) : this.#readFd(this.#fd);
  }

  close(): void {
    if (this.#fd !== null) fs.closeSync(this.#fd);
  }

  #readFd(fd: number): number {
    const n = fs.readSync(fd, this.#buffer, 0, this.#buffer.length, 0);
    let value = 0;
    for (let i = 0; i < n; i++) {
      const c = this.#buffer[i]!;
      if (c < 48 || c > 57) break;
      value = value * 10 + (c - 48);
    }
    return value;
  }
}
