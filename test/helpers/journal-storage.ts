import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { MemoryStorage, parseUserId, type CommitReport, type TickCommit, type UserId } from '../../src/index.js';

/** One durable line per committed (player, tick): what the store holds after that commit. */
export interface JournalEntry {
  readonly userId: string;
  readonly gameTime: number;
  readonly memory: string;
}

export function readJournal(path: string): JournalEntry[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as JournalEntry);
}

/**
 * A MemoryStorage made durable by a journal file: every commit the store accepts is appended
 * synchronously before `commit` returns, so a process killed at any point keeps exactly what was
 * acknowledged. On start it restores each player's Memory and its tick fence (the last committed tick,
 * which makes a replayed commit a no-op) from the journal.
 */
export class JournalStorage extends MemoryStorage {
  readonly #path: string;
  readonly #afterCommit: (gameTime: number) => void;
  /** Commits refused as already applied (replays), counted for the checker. */
  duplicates = 0;

  constructor(path: string, afterCommit: (gameTime: number) => void = () => undefined) {
    super();
    this.#path = path;
    this.#afterCommit = afterCommit;
  }

  /** Restores Memory and tick fences from the journal (call after adding the users). */
  async restore(): Promise<Map<UserId, number>> {
    const last = new Map<UserId, JournalEntry>();
    for (const entry of readJournal(this.#path)) last.set(parseUserId(entry.userId), entry);
    await super.commit(
      [...last.values()].map((e) => ({ userId: parseUserId(e.userId), gameTime: e.gameTime, user: {}, memory: e.memory, console: null, errors: [], consumedCommands: [] })),
    );
    return new Map([...last].map(([id, e]) => [id, e.gameTime]));
  }

  override async commit(commits: readonly TickCommit[]): Promise<CommitReport> {
    const report = await super.commit(commits);
    const committed = new Set(report.committed);
    const lines = commits
      .filter((c) => committed.has(c.userId))
      .map((c) => JSON.stringify({ userId: c.userId, gameTime: c.gameTime, memory: this.getMemory(c.userId) ?? '' } satisfies JournalEntry));
    if (lines.length > 0) appendFileSync(this.#path, `${lines.join('\n')}\n`);
    this.duplicates += report.duplicates.length;
    if (commits.length > 0) this.#afterCommit(commits[0]!.gameTime);
    return report;
  }
}
