import * as fs from 'node:fs';

/**
 * Real CPU time of the calling thread, in nanoseconds. isolated-vm's `cpuTime` is wall time on Linux
 * (a build-flag bug), so players are billed from this clock instead: the first field of
 * `/proc/thread-self/schedstat` is the time the thread spent on a CPU. The file descriptor is opened once
 * per thread (it stays bound to that thread) and re-read with `pread`, about 1.5 µs per read.
 * Where the file is missing, wall time is used and `kind` says so.
 */
export class ThreadCpuClock {
  readonly kind: 'thread' | 'wall';
  readonly #fd: number | null;
  readonly #buffer = Buffer.alloc(96);

  constructor() {
    let fd: number | null = null;
    try {
      const opened = fs.openSync('/proc/thread-self/schedstat', 'r');
      fd = opened;
      this.#readFd(opened);
    } catch {
      if (fd !== null) fs.closeSync(fd);
      fd = null;
    }
    this.#fd = fd;
    this.kind = fd === null ? 'wall' : 'thread';
  }

  /** Nanoseconds of CPU used by this thread so far (or a monotonic wall clock in `wall` mode). */
  now(): number {
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
