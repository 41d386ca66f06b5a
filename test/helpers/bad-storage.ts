import { MemoryStorage, type CodeRecord, type LoadRequest, type LoadResult, type PlayerContext, type UserId } from '../../src/index.js';

/**
 * A MemoryStorage whose reads return corrupted data for chosen players, as a foreign or damaged store
 * would (MemoryStorage's own seeding API validates its input, so the corruption is applied on read).
 * What it stores stays intact, so a test can check that nothing was lost.
 */
export class BadStorage extends MemoryStorage {
  readonly #corrupt = new Map<UserId, (context: PlayerContext) => unknown>();
  readonly #ghosts: UserId[] = [];

  /** Every read of this player's context goes through `fn` (its result is returned as the context). */
  corrupt(userId: UserId, fn: (context: PlayerContext) => unknown): void {
    this.#corrupt.set(userId, fn);
  }

  /** Lists a user id as active that the store has no record of. */
  addGhost(userId: UserId): void {
    this.#ghosts.push(userId);
  }

  override async activeUsers(): Promise<UserId[]> {
    return [...(await super.activeUsers()), ...this.#ghosts];
  }

  override async loadContexts(requests: readonly LoadRequest[]): Promise<Map<UserId, LoadResult>> {
    const out = await super.loadContexts(requests);
    for (const [userId, result] of out) {
      const fn = this.#corrupt.get(userId);
      if (fn && result.ok) out.set(userId, { ok: true, context: fn(result.context) as PlayerContext });
    }
    return out;
  }

  override async loadCode(userId: UserId): Promise<CodeRecord | null> {
    const code = await super.loadCode(userId);
    const fn = this.#corrupt.get(userId);
    if (!code || !fn) return code;
    return ((fn({ code } as unknown as PlayerContext) as { code?: CodeRecord }).code ?? code) as CodeRecord;
  }
}
