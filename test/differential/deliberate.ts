/**
 * The deliberate differences between the kernel and the official driver that the differential suite
 * may see. Each names the row of the README's "Deliberate differences from the official driver" table
 * it comes from (`readme`: the text of that row's first cell) and recognises the differences it explains
 * narrowly (the scenarios where it shows, and a check of the values), so that any other difference fails.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ComparedField, Difference } from './compare.js';
import type { Scenario, TickObservation } from './scenario.js';

export interface DeliberateDifference {
  readonly id: string;
  /** The first cell of the README row, verbatim. */
  readonly readme: string;
  readonly fields: readonly ComparedField[];
  explains(d: Difference, official: TickObservation, kernel: TickObservation, scenario: Scenario): boolean;
}

/** Entry shown only in the named scenarios, optionally with a check of the observations. */
function entry(
  id: string,
  readme: string,
  fields: readonly ComparedField[],
  scenarios: readonly string[] | null,
  check: (d: Difference, o: TickObservation, k: TickObservation, s: Scenario) => boolean = () => true,
): DeliberateDifference {
  return { id, readme, fields, explains: (d, o, k, s) => (scenarios === null || scenarios.includes(s.name)) && check(d, o, k, s) };
}

/** Width of the official wrapper's prefix on a module's first line: `(function __module(module,exports){ `. */
const WRAPPER_COLUMNS = '(function __module(module,exports){ '.length;
const FRAME = /^(at (?:.* \()?)([^\s()]+):(\d+):(\d+|\*)(\)?)$/;

/**
 * Official player frames as the kernel reports them: line-1 columns without the wrapper's prefix, and
 * without the frame of the wrapper's own call (`at main:<last line + 1>:3`).
 */
function withoutWrapper(frames: readonly string[], scenario: Scenario): string[] {
  const out: string[] = [];
  for (const frame of frames) {
    const m = FRAME.exec(frame);
    if (m === null) {
      out.push(frame);
      continue;
    }
    const [, head, file, line, column, tail] = m as unknown as [string, string, string, string, string, string];
    const source = scenario.code[file] ?? Object.values(scenario.steps ?? {}).find((s) => s.code?.[file] !== undefined)?.code?.[file];
    if (typeof source === 'string' && Number(line) === source.split('\n').length + 1 && column === '3' && head === 'at ') continue;
    out.push(Number(line) === 1 && column !== '*' ? `${head}${file}:1:${Number(column) - WRAPPER_COLUMNS}${tail}` : frame);
  }
  return out;
}

const framesAfter = (o: TickObservation, k: TickObservation, s: Scenario, normalise: (f: readonly string[], s: Scenario) => string[]): boolean =>
  o.frames.length === k.frames.length && o.frames.every((f, i) => isDeepStrictEqual(normalise(f, s), k.frames[i]));

export const DELIBERATE: readonly DeliberateDifference[] = [
  entry('segmentsResaved', 'every active segment re-saved every tick', ['segments'], null, (_d, o, k) =>
    // The official store also holds `""` for active segments never written; every other segment is equal.
    Object.entries(o.segments).every(([id, data]) => k.segments[id] === data || (data === '' && k.segments[id] === undefined)) &&
    Object.keys(k.segments).every((id) => id in o.segments)),
  entry('writtenSegmentsCounted', 'every active segment re-saved every tick', ['status', 'console', 'errors', 'frames', 'memory', 'segments'],
    // The official limit of 10 counts loaded segments too (they are re-saved); the kernel counts writes.
    ['ten active segments and one more written']),
  entry('segmentErrorKeepsTick', 'segment validation error discards the whole tick', ['status', 'console', 'memory', 'segments'],
    ['segments: one over 100 KB', 'segments: more than 10 written in a tick', 'segments: invalid id and non-string value']),
  entry('publicSegmentsCleared', '`setPublicSegments([])` is ignored', ['publicSegments'], ['segments: setPublicSegments([]) after a list'],
    (_d, o, k) => k.publicSegments === '' && o.publicSegments !== ''),
  entry('foreignSegmentZero', 'foreign segment id 0 unreadable', ['activeForeignSegment', 'console'], ['foreign segment: id 0']),
  entry('interShardSegmentSaved', '`RawMemory.interShardSegment` never saved', ['console'], ['RawMemory shape and interShardSegment']),
  entry('interShardMemory', 'no `InterShardMemory` global (a `ReferenceError`)', ['status', 'console', 'errors', 'frames'], ['InterShardMemory global']),
  entry('memoryOver2Mb', 'Memory over 2 MB on save: dropped silently (server log)', ['errors', 'frames'], ['Memory over 2 MB on save'],
    (_d, o, k) => o.errors.length === 0 && k.errors.length === 1 && k.errors[0]!.startsWith('Memory was not saved')),
  entry('memoryUnserialisable', 'Memory that cannot be serialised discards the whole tick, with a host stack', ['status', 'console', 'frames'], ['Memory that cannot be serialised'],
    (_d, o, k) => o.status === 'rejected' && k.errors[0] === o.errors[0]),
  entry('commandThrows', 'a throwing console command aborts the commands after it (already deleted)', ['status', 'console'],
    ['console command that throws', 'console command with a syntax error'], (_d, o, k) => o.errors[0] === k.errors[0]),
  entry('commandsAfterThrowingLoop', 'console commands deleted at load, lost if the loop throws; no timeout', ['console'], ['console command after a loop that throws']),
  entry('evalCodeError', 'an error from a required module reaches `catch` as `EvalCodeError`', ['console'],
    ['circular require', 'a module that throws while it evaluates', 'a module that does not compile', 'require of a module that throws a string']),
  entry('syntaxErrorPosition', 'a module that does not compile: no position in the error on Node 24', ['errors'], null,
    // Under Node 24 the official nested compile reports `SyntaxError: <message>` without `[module:line:column]`.
    (_d, o, k) => o.errors.length === k.errors.length && o.errors.every((line, i) =>
      line === k.errors[i] || (line.startsWith('SyntaxError: ') && k.errors[i]!.replace(/ \[[^\]]+:\d+:\d+\]$/, '') === line))),
  entry('consoleCapped', 'console output unbounded', ['console'], ['a console flood of several megabytes'], (_d, o, k) => {
    const official = o.console?.log ?? [];
    const kernel = k.console?.log ?? [];
    const cut = kernel.length - 1;
    return cut > 0 && cut < official.length && /^\[console output truncated: more than \d+ KB this tick\]$/.test(kernel[cut]!) &&
      kernel.slice(0, cut).every((line, i) => line === official[i]);
  }),
  entry('gcProperty', 'no `gc` on the player\'s global', ['console'], ['the gc global'],
    (_d, o, k) => o.console?.log[0] === 'undefined false' && k.console?.log[0] === 'undefined true'),
  entry('oneTimeoutPerCall', 'per-`require`/loop timeouts (loop, then commands; on a global-reset tick evaluating the modules and running the loop each get the full limit)', ['status', 'console', 'errors', 'frames'], ['main and loop each busy for most of the tick limit'],
    // Officially the top-level `require('main')` and the loop each get the whole tick limit on a reset
    // tick. (Timeouts count wall time: on a crowded machine the official side may time out too.)
    (_d, o, k) => k.status === 'error' && k.errors[0] === 'Script execution timed out.' &&
      (o.status === 'ok' || o.errors[0] === 'Script execution timed out.')),
  entry('thrownNonErrors', 'thrown non-Errors produce no console error', ['errors', 'frames'],
    ['a thrown string', 'a thrown number and a thrown Error subclass'], (_d, o, k) => o.errors.length === 0 && k.errors.length === 1),
  entry('throwNull', '`throw null` / `throw undefined` report the runner\'s own `TypeError`', ['errors', 'frames'], ['throw null and throw undefined'],
    (_d, o, k) => /^TypeError: Cannot read properties of (null|undefined)/.test(o.errors[0] ?? '') && (k.errors[0] === 'null' || k.errors[0] === 'undefined')),
  entry('messageEscaped', 'a thrown object without a stack shows its `message` unescaped', ['errors'], ['a thrown object with a message but no stack'],
    (_d, o, k) => o.errors.length === 1 && k.errors[0] === o.errors[0]!.replace(/</g, '&lt;')),
  entry('wrapperFrames', 'module line 1 columns shifted by the wrapper, plus a frame of the wrapper\'s call', ['frames'], null,
    (_d, o, k, s) => o.frames.length > 0 && framesAfter(o, k, s, (f, scenario) => withoutWrapper(f, scenario))),
  entry('playerFramesKept', 'stacks lose player frames', ['frames'], null,
    // Official stacks drop player frames: the last `at` line is blanked, the runtime's own frames count
    // against V8's 10-frame limit, and a timeout inside a module stops at that module's nested call. The
    // kernel's frames start with the same player frames and may go on.
    (_d, o, k, s) => o.frames.length === k.frames.length && o.errors.every((line, i) => line === k.errors[i]) &&
      o.frames.every((f, i) => {
        const official = withoutWrapper(f, s);
        return isDeepStrictEqual(official, k.frames[i]!.slice(0, official.length));
      })),
];
