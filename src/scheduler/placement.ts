import type { UserId } from '../shared/ids.js';

/**
 * Player -> slot affinity. A player stays on the slot its isolate lives on; a new player goes to the
 * slot with the fewest players, and stays there for the life of the runtime (the pool's slot count is
 * fixed), so a player's isolate never has to move between workers.
 */
export class Placement {
  readonly #slotOf = new Map<UserId, number>();
  readonly #counts: number[];

  constructor(slots: number) {
    this.#counts = new Array<number>(slots).fill(0);
  }

  slotOf(userId: UserId): number {
    let slot = this.#slotOf.get(userId);
    if (slot === undefined) {
      slot = 0;
      for (let i = 1; i < this.#counts.length; i++) if (this.#counts[i]! < this.#counts[slot]!) slot = i;
      this.#slotOf.set(userId, slot);
      this.#counts[slot]!++;
    }
    return slot;
  }

  peek(userId: UserId): number | undefined {
    return this.#slotOf.get(userId);
  }
}
