import v8 from 'node:v8';

/** True when this process runs with `--no-node-snapshot` (isolated-vm needs it on Node >= 20). */
export function hasNoNodeSnapshot(): boolean {
  return process.execArgv.includes('--no-node-snapshot') || /(^|\s)--no-node-snapshot(\s|$)/.test(process.env.NODE_OPTIONS ?? '');
}

let fastTieringApplied = false;

/**
 * V8 flags are process-wide and must be set before isolates compile anything, so this runs once, before
 * the first pool starts. They also keep compiled-code caches consistent: every isolate of the process
 * sees the same flags (cachedData is rejected across different flags).
 */
export function applyFastTiering(): void {
  if (fastTieringApplied) return;
  fastTieringApplied = true;
  v8.setFlagsFromString('--always-sparkplug');
  v8.setFlagsFromString('--no-lazy-feedback-allocation');
}

let semiSpaceApplied = false;

/** `--max-semi-space-size`, once per process (isolates and threads made afterwards take it at creation). */
export function applyMaxSemiSpace(mb: number): void {
  if (semiSpaceApplied || mb <= 0) return;
  semiSpaceApplied = true;
  v8.setFlagsFromString(`--max-semi-space-size=${mb}`);
}
