import { methodDescriptors } from './descriptors.js';
import type { Pristine, TickState } from './types.js';

/**
 * The player's `console` (F38, F39): a fresh null-prototype object each tick, over the isolate's
 * long-lived tick state.
 * Unlike the official server, output is capped per tick: past the cap one truncation line is logged
 * and the rest is dropped.
 */
export function makeConsole(state: TickState, pristine: Pristine, maxBytes: number): () => object {
  const stringify = pristine.stringify;
  const String_ = pristine.String;
  const Error_ = pristine.Error;

  function admit(length: number): boolean {
    if (state.consoleTruncated) return false;
    if (state.consoleBytes + length > maxBytes) {
      state.consoleTruncated = true;
      state.log.push({
        message: `[console output truncated: more than ${Math.floor(maxBytes / 1024)} KB this tick]`,
        escape: true,
      });
      return false;
    }
    state.consoleBytes += length;
    return true;
  }
  // F38: each argument is `i && i.toString ? i.toString() : (i === undefined ? 'undefined' : JSON.stringify(i))`.
  function format(args: unknown[]): string {
    const parts: string[] = [];
    for (const i of args) {
      const any = i as { toString?: () => unknown } | null | undefined;
      parts.push(any && any.toString ? String_(any.toString()) : i === undefined ? 'undefined' : String_(stringify(i)));
    }
    return parts.join(' ');
  }
  const methods: Record<string, (...args: never[]) => unknown> = {
    log(...args: unknown[]) {
      const message = format(args);
      if (admit(message.length)) state.log.push({ message, escape: true });
    },
    logUnsafe(...args: unknown[]) {
      const message = format(args);
      if (admit(message.length)) state.log.push({ message, escape: false });
    },
    commandResult(message: unknown) {
      const text = String_(message);
      if (admit(text.length)) state.results.push(text);
    },
    // F39: 500 KB per room, 1000 KB for "map"; strings appended as-is, other values as JSON + "\n".
    addVisual(roomName: unknown, data: unknown) {
      const room = String_(roomName || '');
      if (!data) return;
      const limit = room === 'map' ? 1000 : 500;
      const piece = typeof data === 'string' ? data : String_(stringify(data)) + '\n';
      const existing = state.visuals[room] ?? '';
      if (existing.length + piece.length > limit * 1024) {
        throw new Error_(
          room === 'map'
            ? `MapVisual size has exceeded ${limit} KB limit`
            : `RoomVisual size in room ${room} has exceeded ${limit} KB limit`,
        );
      }
      state.visuals[room] = existing + piece;
    },
    getVisualSize(roomName: unknown) {
      return (state.visuals[String_(roomName || '')] ?? '').length;
    },
    clearVisual(roomName: unknown) {
      state.visuals[String_(roomName || '')] = '';
    },
    getVisual(roomName: unknown) {
      return state.visuals[String_(roomName || '')];
    },
  };
  // Built once per isolate; each tick gets a fresh object from one `Object.create`.
  const descriptors = methodDescriptors(methods, true, pristine);
  return () => pristine.create(null, descriptors) as object;
}
