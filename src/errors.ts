/**
 * One error tree with stable codes. Exceptions mean misuse or a kernel fault; a player's fault is an
 * outcome value (see `src/shared/outcome.ts`), never an exception.
 */
export const ErrorCode = {
  invalidOption: 'KERNEL_INVALID_OPTION',
  missingNoNodeSnapshot: 'KERNEL_MISSING_NO_NODE_SNAPSHOT',
  runtimeClosed: 'KERNEL_RUNTIME_CLOSED',
  tickInProgress: 'KERNEL_TICK_IN_PROGRESS',
  invalidRequest: 'KERNEL_INVALID_REQUEST',
  workerCrashed: 'KERNEL_WORKER_CRASHED',
  storage: 'KERNEL_STORAGE',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class KernelError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
  override get name(): string {
    return 'KernelError';
  }
}

/** An option failed validation: the message names the option and the bad value. */
export class InvalidOptionError extends KernelError {
  readonly option: string;
  constructor(option: string, value: unknown, expected: string) {
    super(ErrorCode.invalidOption, `Invalid option ${option}: ${describe(value)} (expected ${expected})`);
    this.option = option;
  }
  override get name(): string {
    return 'InvalidOptionError';
  }
}

/** The process was started without `--no-node-snapshot`, which isolated-vm needs on Node >= 20. */
export class MissingNoNodeSnapshotError extends KernelError {
  constructor() {
    super(
      ErrorCode.missingNoNodeSnapshot,
      'isolated-vm needs the Node.js flag --no-node-snapshot on the main process (Node >= 20). ' +
        'Start the process with `node --no-node-snapshot your-entry.js`, or set NODE_OPTIONS=--no-node-snapshot. ' +
        'It cannot be set for worker threads (execArgv rejects it).',
    );
  }
  override get name(): string {
    return 'MissingNoNodeSnapshotError';
  }
}

export class StorageError extends KernelError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.storage, message, options);
  }
  override get name(): string {
    return 'StorageError';
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value == null) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}
