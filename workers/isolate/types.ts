/**
 * Types shared by the code that runs inside each player's isolate. The runtime files export plain
 * functions whose source text is evaluated inside the isolate (see `./source.ts`), so they may only use
 * their parameters, ECMAScript built-ins and the other runtime factories named in `./source.ts`.
 */
import type { ConsoleLine, MmoCpuRequests, MmoCpuState } from '../../src/shared/protocol.js';

/** MMO `Game.cpu` requests recorded during the tick (mutable while the tick runs). */
export type MmoCpuOutput = { -readonly [K in keyof MmoCpuRequests]: MmoCpuRequests[K] };

/** The payload of one tick, parsed inside the isolate. Mirrors the fields of `RunRequest` it needs. */
export interface TickPayload {
  gameTime: number;
  userId: string;
  username: string;
  codeTimestamp: number;
  cpu: { limit: number; tickLimit: number; bucket: number };
  memory: string;
  segments: Record<string, string>;
  foreignSegment?: { username: string; id: number; data: string } | undefined;
  interShard: { local: string; remote: Record<string, string> };
  hostData?: string | undefined;
  mmoCpu?: MmoCpuState | undefined;
}

/** Captured once per isolate, before any player code runs, so players cannot tamper with them. */
export interface Pristine {
  stringify: typeof JSON.stringify;
  parse: typeof JSON.parse;
  defineProperty: typeof Object.defineProperty;
  create: typeof Object.create;
  keys: typeof Object.keys;
  freeze: typeof Object.freeze;
  setPrototypeOf: typeof Object.setPrototypeOf;
  isArray: typeof Array.isArray;
  parseInt: typeof parseInt;
  isNaN: typeof Number.isNaN;
  String: typeof String;
  Error: typeof Error;
  TypeError: typeof TypeError;
  RangeError: typeof RangeError;
  Number: typeof Number;
}

/** Mutable state of the tick in progress; `finish()` turns it into the output JSON. */
export interface TickState {
  payload: TickPayload;
  rawMemory: Record<string, unknown> & { _parsed?: unknown };
  memory: string;
  segments: Record<string, unknown>;
  activeSegments?: number[];
  publicSegments?: number[];
  defaultPublicSegment?: number | null;
  activeForeignSegment?: { username: string; id?: number } | null;
  interShardLocal: unknown;
  log: ConsoleLine[];
  results: string[];
  consoleBytes: number;
  consoleTruncated: boolean;
  visuals: Record<string, string>;
  errors: string[];
  consumed: string[];
  startCpu: number;
  mmo: MmoCpuOutput;
}

export interface ConsoleLimits {
  maxBytes: number;
}

/** Intent registry handed to the host game layer (F23). */
export interface IntentRegistry {
  list: Record<string, unknown>;
  cpu: number;
  set(id: string, name: string, data: unknown): void;
  push(name: string, data: unknown, maxLen?: number): boolean;
  pushByName(id: string, name: string, data: unknown, maxLen?: number): boolean;
  remove(id: string, name: string): void;
}

/**
 * `LIMITS` of `src/shared/limits.ts`: the runtime source (`source.ts`) declares it ahead of the
 * factories, which cannot import it (they run as stringified functions inside the isolate).
 */
export type { Limits } from '../../src/shared/limits.js';
