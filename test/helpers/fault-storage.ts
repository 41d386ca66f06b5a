/**
 * A StoragePort that passes everything to a real store and lets a test act around a commit: stop or
 * pause a server just as the commit is in flight. The fault itself is always real (a server process
 * stopped, killed or paused); this wrapper only chooses the moment.
 */
import { Redis } from 'ioredis';
import { setTimeout as delay } from 'node:timers/promises';
import type { CodeRecord, CommitReport, LoadRequest, LoadResult, StoragePort, TickCommit } from '../../src/storage/port.js';
import type { UserId } from '../../src/shared/ids.js';

export type CommitHook = (commits: readonly TickCommit[], commit: () => Promise<CommitReport>) => Promise<CommitReport>;

export class FaultInjectingStorage implements StoragePort {
  readonly #inner: StoragePort;
  /** Called instead of the store's commit; it must call `commit` (once) to reach the store. */
  onCommit: CommitHook | null = null;

  constructor(inner: StoragePort) {
    this.#inner = inner;
  }

  activeUsers(): Promise<UserId[]> {
    return this.#inner.activeUsers();
  }
  loadContexts(requests: readonly LoadRequest[]): Promise<Map<UserId, LoadResult>> {
    return this.#inner.loadContexts(requests);
  }
  loadCode(userId: UserId): Promise<CodeRecord | null> {
    return this.#inner.loadCode(userId);
  }
  commit(commits: readonly TickCommit[]): Promise<CommitReport> {
    const hook = this.onCommit;
    return hook ? hook(commits, () => this.#inner.commit(commits)) : this.#inner.commit(commits);
  }
  async [Symbol.asyncDispose](): Promise<void> {
    // The inner store belongs to the test.
  }
}

/**
 * A side connection to a Redis server, for the fault tests: counts the calls of a command the server
 * executed (`INFO commandstats`), so a test can tell that a commit's fence read has reached the server,
 * and issues admin commands (`CLIENT PAUSE`).
 */
export class RedisProbe implements AsyncDisposable {
  readonly #redis: Redis;

  constructor(url: string) {
    this.#redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
    this.#redis.on('error', () => {});
  }

  async calls(command: string): Promise<number> {
    const info = await this.#redis.info('commandstats');
    const match = new RegExp(`^cmdstat_${command}:calls=(\\d+)`, 'm').exec(info);
    return match ? Number(match[1]) : 0;
  }

  /** Resolves once the server has executed `command` at least `count` times in all (polls). */
  async waitForCalls(command: string, count: number): Promise<void> {
    for (let poll = 0; (await this.calls(command)) < count; poll++) {
      if (poll > 10_000) throw new Error(`Redis never executed ${command}`);
      await delay(1);
    }
  }

  /** Resolves once a client is blocked on the server (e.g. held by `CLIENT PAUSE`) (polls). */
  async waitForBlockedClient(): Promise<void> {
    for (let poll = 0; !/^blocked_clients:[1-9]/m.test(await this.#redis.info('clients')); poll++) {
      if (poll > 10_000) throw new Error('no client was blocked');
      await delay(1);
    }
  }

  /** The server process's `run_id` (a new one after every restart). */
  async runId(): Promise<string> {
    const info = await this.#redis.info('server');
    return /^run_id:(\w+)/m.exec(info)?.[1] ?? '';
  }

  call(...args: [string, ...string[]]): Promise<unknown> {
    return this.#redis.call(...args);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#redis.disconnect();
  }
}
