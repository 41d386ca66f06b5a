import type { UserId } from '../shared/ids.js';

/**
 * Player -> slot affinity. A player stays on the slot its isolate lives on; a new player goes to the
 * slot with the fewest players. Moving a player (only `forget`, or a slot count change) costs it a
 * global reset, which the worker reports as a cold start.
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

  forget(userId: UserId): void {
    const slot = this.#slotOf.get(userId);
    if (slot === undefined) return;
    this.#slotOf.delete(userId);
    this.#counts[slot]!--;
  }

  counts(): readonly number[] {
    return this.#counts;
  }
}
