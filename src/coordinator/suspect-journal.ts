import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { parseUserId, type UserId } from '../shared/ids.js';

/** Why a player is on the journal: its run outlived every timeout, or its worker was declared hung. */
export type SuspectReason = 'overran' | 'hung';

export interface Suspect {
  readonly userId: UserId;
  readonly gameTime: number | null;
  readonly reason: SuspectReason;
  /** When it was written (ms since the epoch). */
  readonly at: number;
}

/**
 * The players whose run may take the process down with it (issue 13), written synchronously to a local
 * file BEFORE anything else is done about them: a native crash (isolated-vm's catastrophic path) can end
 * the process a few seconds after a run overruns, and the store's quarantine is only committed after the
 * tick. A process started on the same file finds the suspects of the one that died (`inherited`) and
 * quarantines them before they run again. An entry is removed once the player's run came back (it only
 * overran) or its quarantine is committed to the store.
 *
 * The file is replaced whole (write, fsync, rename), so a crash at any point leaves the old or the new
 * list, never a torn one. Writes happen only when a run overruns, never on the tick's normal path.
 * Without a path the journal lives in memory only (no protection across a crash).
 */
export class SuspectJournal {
  readonly #path: string | undefined;
  readonly #entries = new Map<UserId, Suspect>();
  /** Suspects written by a previous process on this file: it ended before their fate was settled. */
  readonly inherited: ReadonlyMap<UserId, Suspect>;

  constructor(path: string | undefined) {
    this.#path = path;
    const inherited = new Map<UserId, Suspect>();
    for (const entry of path === undefined ? [] : readSuspects(path)) {
      inherited.set(entry.userId, entry);
      this.#entries.set(entry.userId, entry);
    }
    this.inherited = inherited;
  }

  get path(): string | undefined {
    return this.#path;
  }

  has(userId: UserId): boolean {
    return this.#entries.has(userId);
  }

  get(userId: UserId): Suspect | undefined {
    return this.#entries.get(userId);
  }

  list(): Suspect[] {
    return [...this.#entries.values()];
  }

  /** Records a suspect, durably before it returns. A second record only upgrades `overran` to `hung`. */
  add(userId: UserId, gameTime: number | null, reason: SuspectReason): void {
    const known = this.#entries.get(userId);
    if (known !== undefined && (known.reason === 'hung' || reason === 'overran')) return;
    this.#entries.set(userId, { userId, gameTime, reason, at: Date.now() });
    this.#write();
  }

  /** Forgets a suspect (its run came back, or its quarantine is in the store). */
  remove(userId: UserId): void {
    if (!this.#entries.delete(userId)) return;
    (this.inherited as Map<UserId, Suspect>).delete(userId);
    this.#write();
  }

  #write(): void {
    if (this.#path === undefined) return;
    const tmp = `${this.#path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, JSON.stringify([...this.#entries.values()]));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.#path);
  }
}

function readSuspects(path: string): Suspect[] {
  if (!existsSync(path)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    // Replaced whole by rename, so an unreadable file was not written by this class: start empty
    // rather than refuse to start.
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const out: Suspect[] = [];
  for (const item of parsed as unknown[]) {
    if (item === null || typeof item !== 'object') continue;
    const { userId, gameTime, reason, at } = item as Record<string, unknown>;
    if (typeof userId !== 'string') continue;
    let id: UserId;
    try {
      id = parseUserId(userId);
    } catch {
      continue;
    }
    out.push({
      userId: id,
      gameTime: typeof gameTime === 'number' ? gameTime : null,
      reason: reason === 'hung' ? 'hung' : 'overran',
      at: typeof at === 'number' ? at : 0,
    });
  }
  return out;
}
