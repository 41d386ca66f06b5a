import { MemoryStorage, parseUserId, type CommitReport, type StoragePort, type TickCommit, type UserId } from '../../src/index.js';

/**
 * A real in-memory store with switchable faults around it (a fake only for the faults): phantom users
 * that cannot be loaded, and commits that throw.
 */
export class FaultyStorage implements StoragePort {
  readonly inner = new MemoryStorage();
  readonly phantoms: UserId[] = [];
  failCommits = false;

  addPhantom(id: string): UserId {
    const userId = parseUserId(id);
    this.phantoms.push(userId);
    return userId;
  }

  async activeUsers(): Promise<UserId[]> {
    return [...(await this.inner.activeUsers()), ...this.phantoms];
  }
  loadContexts(...args: Parameters<StoragePort['loadContexts']>): ReturnType<StoragePort['loadContexts']> {
    return this.inner.loadContexts(...args);
  }
  loadCode(userId: UserId): ReturnType<StoragePort['loadCode']> {
    return this.inner.loadCode(userId);
  }
  async commit(commits: readonly TickCommit[]): Promise<CommitReport> {
    if (this.failCommits) throw new Error('store is down');
    return this.inner.commit(commits);
  }
  async [Symbol.asyncDispose](): Promise<void> {
    await this.inner[Symbol.asyncDispose]();
  }
}
