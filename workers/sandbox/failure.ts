import type { OutcomeKind } from '../../src/shared/outcome.js';
import { RUNTIME_FILE } from '../isolate/source.js';

/**
 * The one place where isolated-vm's error strings are mapped to outcomes (STYLE rule 5). Each message
 * has a test in `test/unit/failure.test.ts`, so a library upgrade that changes wording fails CI.
 * `isDisposed` is checked too: the strings are not reliable on their own (isolated-vm has several,
 * including the typo "Isolated is disposed").
 */
export const IVM_MESSAGES = {
  timeout: 'Script execution timed out.',
  memoryLimit: 'Isolate was disposed during execution due to memory limit',
  disposedDuring: 'Isolate was disposed during execution',
  disposed: 'Isolate is disposed',
  disposedTypo: 'Isolated is disposed',
  arrayBuffer: 'Array buffer allocation failed',
  deserialize: 'Unable to deserialize cloned data.',
} as const;

export interface Failure {
  readonly kind: OutcomeKind;
  /** What the player sees on the console error channel. */
  readonly message: string;
}

export function classifyError(error: unknown, isDisposed: boolean, haltRequested: boolean): Failure {
  if (haltRequested) return { kind: 'halted', message: 'CPU halted' };
  const message = error instanceof Error ? error.message : String(error);
  if (message.startsWith(IVM_MESSAGES.timeout)) return { kind: 'timedOut', message: timeoutMessage(error) };
  if (message.includes(IVM_MESSAGES.memoryLimit)) return { kind: 'memoryExceeded', message: `Error: ${IVM_MESSAGES.memoryLimit}` };
  if (message.includes(IVM_MESSAGES.arrayBuffer)) {
    return isDisposed
      ? { kind: 'memoryExceeded', message: `RangeError: ${IVM_MESSAGES.arrayBuffer}` }
      : { kind: 'memoryExceeded', message: 'Script execution has been terminated: unable to allocate memory, restarting virtual machine' };
  }
  if (
    isDisposed ||
    message.includes(IVM_MESSAGES.disposedDuring) ||
    message.includes(IVM_MESSAGES.disposed) ||
    message.includes(IVM_MESSAGES.disposedTypo) ||
    message.includes(IVM_MESSAGES.deserialize)
  ) {
    return { kind: 'disposed', message: `Error: ${IVM_MESSAGES.disposedDuring}` };
  }
  // Anything else escaped the in-isolate wrapper from the player's own data (e.g. a RangeError while
  // serialising the result): a script error, reported with its message only (never a host stack).
  const name = error instanceof Error ? error.name : 'Error';
  return { kind: 'scriptError', message: `${name}: ${message}`.replace(/</g, '&lt;') };
}

/**
 * The official timeout error is thrown inside the isolate, so the player sees the stack at the moment
 * of the timeout (`Script execution timed out.\n    at module.exports.loop (main:2:3)`, spec 3.3).
 * isolated-vm's host-side error carries the same frames before its `<isolated-vm boundary>` line: they
 * are kept, minus the kernel's own runtime frames, formatted like any player stack (F40).
 */
function timeoutMessage(error: unknown): string {
  const stack = error instanceof Error && typeof error.stack === 'string' ? error.stack : '';
  const lines: string[] = [IVM_MESSAGES.timeout];
  for (const line of stack.split('\n').slice(1)) {
    if (line.includes('<isolated-vm boundary>')) break;
    if (line.includes(RUNTIME_FILE)) continue;
    lines.push(line.replace(/at __module \((.*)\)/, 'at $1').replace(/</g, '&lt;'));
  }
  return lines.join('\n');
}

/** Official message on the tick after an isolate was disposed unexpectedly (spec 3.5, user-vm.js:19). */
export const DISPOSED_RESTART_MESSAGE =
  'Script execution has been terminated: your isolate disposed unexpectedly, restarting virtual machine';
