/**
 * The limits a player can observe, in one place for the main thread, the worker and the isolate. The
 * in-isolate runtime cannot import modules (its factories are stringified, `workers/isolate/source.ts`),
 * so the runtime source declares this object as a constant `LIMITS` ahead of the factories.
 *
 * Lengths are in UTF-16 code units (JavaScript string length), which is what the official driver checks,
 * although it calls them bytes.
 */
export const LIMITS = {
  /** F30: `RawMemory.set` / the Memory string. */
  memoryChars: 2 * 1024 * 1024,
  /** F32: one memory segment. */
  segmentChars: 100 * 1024,
  /** F33: segments active (or written) in one tick. */
  activeSegments: 10,
  /** F32: segment ids run from 0 to this. */
  maxSegmentId: 99,
  /** Spec 2.3: InterShardMemory's local segment. */
  interShardChars: 100 * 1024,
  /** F39: room visuals per room per tick. */
  visualChars: 1000 * 1024,
} as const;

export type Limits = typeof LIMITS;
