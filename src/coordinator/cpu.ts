/**
 * The official CPU arithmetic (spec 3.2; F6, F11, F24, F25), in one place.
 */
import type { UserRecord, UserUpdate } from '../storage/port.js';
import type { CpuLimits } from '../shared/protocol.js';
import type { SkipReason } from '../shared/outcome.js';

export interface CpuSettings {
  readonly cpuMaxPerTick: number;
  readonly cpuBucketSize: number;
}

/** F6 messages, verbatim. */
export const PENALTY_MESSAGE =
  'Your script is temporary blocked due to a hard reset inflicted to the runtime process.\nPlease try to change your code in order to prevent causing hard timeout resets.';
export const BUCKET_EMPTY_MESSAGE = 'Script execution has been terminated: CPU bucket is empty';

export type GateDecision =
  | { readonly run: true; readonly limits: CpuLimits }
  | { readonly run: false; readonly reason: SkipReason; readonly error: string; readonly update: UserUpdate };

/**
 * F6 and F11. A penalty skips the tick (and counts down); a negative bucket skips it and recovers by
 * `+cpu` per tick, floored at `-2 * cpu`. Otherwise `tickLimit = min(cpuMaxPerTick, max(0, bucket) + cpu)`.
 */
export function cpuGate(user: UserRecord, settings: CpuSettings): GateDecision {
  const cpu = user.cpu;
  const available = user.cpuAvailable || 0;
  if (user.skipTicksPenalty > 0) {
    return {
      run: false,
      reason: 'penalty',
      error: PENALTY_MESSAGE,
      update: { lastUsedCpu: 0, lastUsedDirtyTime: 0, skipTicksPenalty: user.skipTicksPenalty - 1 },
    };
  }
  if (available < 0) {
    return {
      run: false,
      reason: 'bucketEmpty',
      error: BUCKET_EMPTY_MESSAGE,
      update: { lastUsedCpu: 0, lastUsedDirtyTime: 0, cpuAvailable: available < -2 * cpu ? -2 * cpu : available + cpu },
    };
  }
  const bucket = Math.max(0, available);
  return { run: true, limits: { limit: cpu, tickLimit: Math.min(settings.cpuMaxPerTick, bucket + cpu), bucket } };
}

/** F23/F24: each non-free intent costs 0.2 ms. */
export const INTENT_CPU = 0.2;

/**
 * F24/F25 after a tick that ran: the bill is `ceil(billed + 0.2 * intents)`, the bucket becomes
 * `min(cpuBucketSize, cpuAvailable + cpu - bill)` (it may go negative).
 */
export function billTick(user: UserRecord, billedMs: number, intentsCount: number, settings: CpuSettings): { usedTime: number; update: UserUpdate } {
  const usedTime = Math.ceil(billedMs + INTENT_CPU * intentsCount);
  const available = user.cpuAvailable || 0;
  return {
    usedTime,
    update: {
      lastUsedCpu: usedTime,
      lastUsedDirtyTime: Math.ceil(billedMs),
      cpuAvailable: Math.min(settings.cpuBucketSize, available + user.cpu - usedTime),
    },
  };
}
