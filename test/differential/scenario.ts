/**
 * A differential scenario: player code run for several ticks on both the official driver and the
 * kernel, with what the host does between ticks (code uploads, console commands, Memory edits).
 */
export type ModuleSource = string | { readonly binary: string };
export type Modules = Readonly<Record<string, ModuleSource>>;

/** What the host does before a tick, the way the official backend does it. */
export interface Step {
  /** A new code upload (`POST /api/user/code`): new modules and a newer timestamp. */
  readonly code?: Modules;
  /** The same code uploaded again: identical modules, newer timestamp. */
  readonly reupload?: true;
  /** Console expressions queued (`POST /api/user/console`); `hidden` ones come from the Memory editor. */
  readonly commands?: readonly { readonly expression: string; readonly hidden?: boolean }[];
  /** Memory replaced by the host (the Memory editor writing `memory:<id>`). */
  readonly memory?: string;
}

export interface Scenario {
  readonly name: string;
  /** Spec items (`F..` of the runtime spec, or section numbers) the scenario makes observable. */
  readonly covers: string;
  readonly ticks: number;
  readonly code: Modules;
  /** Host actions before tick i (0-based). */
  readonly steps?: Readonly<Record<number, Step>>;
}

/** The account every scenario plays with, on both sides: `cpu: 100` and a full bucket. */
export const PLAYER_CPU = 100;
export const PLAYER_BUCKET = 10_000;
/** A second player whose public segments scenarios read as a foreign segment. */
export const PROVIDER = {
  id: 'provider1',
  username: 'Provider',
  segments: { 0: 'provider segment 0', 5: 'provider segment 5', 7: 'provider segment 7 (not public)' } as Record<number, string>,
  publicSegments: [0, 5],
  defaultPublicSegment: 5,
} as const;
/** Code timestamps: the first upload, then one more per upload. */
export const FIRST_CODE_TIMESTAMP = 1_700_000_000_000;
/** Game time of a scenario's first tick. */
export const FIRST_GAME_TIME = 100;

/** What one tick showed, on either side, in storage terms (as the next tick and the player's console see it). */
export interface TickObservation {
  /** `ok` (ran to the end), `error` (the player's code threw or timed out; partial results kept), `rejected` (nothing kept). */
  readonly status: 'ok' | 'error' | 'rejected';
  /** The `{messages:{log,results}}` payload published on `user:<id>/console`, or null when none was. */
  readonly console: { readonly log: readonly string[]; readonly results: readonly string[] } | null;
  /** First lines of the `{error}` payloads published on `user:<id>/console`, in order. */
  readonly errors: readonly string[];
  /**
   * Per published error, the stack frames in the player's own modules (`at f (main:3:7)`), without the
   * runtime's frames (`<runtime>`, `__mainLoop`, console-command wrappers), which differ by design.
   */
  readonly frames: readonly (readonly string[])[];
  /** Full text of those error payloads (shown in reports, compared only where a check asks for it). */
  readonly errorTexts: readonly string[];
  /** The stored Memory string (`""` when none is stored). */
  readonly memory: string;
  /** The player's stored segments, id -> data. */
  readonly segments: Readonly<Record<string, string>>;
  /** `[]` when none was ever set. */
  readonly activeSegments: readonly number[];
  /** The stored public segment list, as the comma-joined string the official env holds. */
  readonly publicSegments: string | null;
  readonly defaultPublicSegment: number | null;
  readonly activeForeignSegment: { readonly username: string; readonly id: number | null; readonly userId: string | null } | null;
  /** Room visuals stored for this tick (`roomVisual:<user>,<room>,<time>`), room -> data. */
  readonly visuals: Readonly<Record<string, string>>;
  /** The tick's `notify` intents as stored for the room processor (`intents.notify`). */
  readonly notify: readonly unknown[];
  /** `users.notifications` of type `msg`: message and count. */
  readonly notifications: readonly { readonly message: string; readonly count: number }[];
}

/**
 * The frames of an error text that point into the player's modules. In a timeout, the innermost frame's
 * column is wherever the interrupt caught the running code (it varies with the optimisation tier), so
 * it is left out.
 */
export function playerFrames(text: string): string[] {
  const lines = text.split('\n');
  const frames = lines
    .slice(1)
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at ') && !/&lt;runtime>|<runtime>|__mainLoop|<isolated-vm|_console\d/.test(line));
  if (lines[0] === 'Script execution timed out.' && frames[0] !== undefined) frames[0] = frames[0].replace(/:(\d+):\d+(\)?)$/, ':$1:*$2');
  return frames;
}

/**
 * What the published `user:<id>/console` payloads of one tick show, in the fields both sides compare:
 * the console messages, and each error as its first line, the player's frames and its whole text.
 */
export function consoleObservation(payloads: readonly Record<string, unknown>[]): Pick<TickObservation, 'console' | 'errors' | 'frames' | 'errorTexts'> {
  const messages = payloads.find((p) => 'messages' in p)?.messages as { log: string[]; results: string[] } | undefined;
  const errorTexts = payloads.filter((p) => 'error' in p).map((p) => String(p.error));
  return {
    console: messages ? { log: messages.log, results: messages.results } : null,
    errors: errorTexts.map((text) => text.split('\n')[0] ?? ''),
    frames: errorTexts.map(playerFrames),
    errorTexts,
  };
}
