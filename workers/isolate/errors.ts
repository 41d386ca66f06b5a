/**
 * Error text shown to the player (F40, F41). An Error's stack is HTML-escaped (`<` -> `&lt;`), frames of
 * the kernel's own runtime are removed and `at __module (x)` becomes `at x`. Deliberate fix: a thrown
 * non-Error still reaches the player as `String(value)` (the official driver shows nothing).
 * Runs inside the isolate, within the timed call, so hostile getters can only time out.
 */
export function formatError(error: unknown, runtimeFile: string): string {
  try {
    const e = error as { stack?: unknown; message?: unknown } | null | undefined;
    if (e !== null && (typeof e === 'object' || typeof e === 'function')) {
      const stack = e.stack;
      if (typeof stack === 'string' && stack.length > 0) {
        const kept: string[] = [];
        for (const line of stack.split('\n')) {
          if (line.indexOf(runtimeFile) !== -1) continue;
          kept.push(line.replace(/at __module \((.*)\)/, 'at $1'));
        }
        return kept.join('\n').replace(/</g, '&lt;');
      }
      const message = e.message;
      if (message !== undefined) return String(message).replace(/</g, '&lt;');
    }
    return String(error).replace(/</g, '&lt;');
  } catch {
    return 'Error: (the thrown value could not be converted to a string)';
  }
}
