/**
 * The frame `finish` returns from the isolate: `<output JSON>\n0` when the tick left Memory as it came,
 * `<output JSON>\n1<new Memory>` when it changed. Memory (often 50 KB or more of JSON text) travels
 * beside the output instead of escaped inside it, which cost a stringify and a parse of the whole Memory
 * in each direction every tick. JSON text never holds a raw newline, so the first "\n" is the cut.
 *
 * `memoryTail` runs inside the isolate (a runtime factory, `source.ts`); `decodeFrame` in the worker.
 */
export function memoryTail(changed: boolean, memory: string): string {
  return changed ? '\n1' + memory : '\n0';
}

export interface Frame {
  readonly json: string;
  /** The new Memory, or undefined when it did not change. */
  readonly memory: string | undefined;
}

export function decodeFrame(text: string): Frame {
  const cut = text.indexOf('\n');
  if (cut === -1) return { json: text, memory: undefined };
  return { json: text.slice(0, cut), memory: text.charCodeAt(cut + 1) === 49 /* '1' */ ? text.slice(cut + 2) : undefined };
}
