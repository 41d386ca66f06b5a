import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the hard deadline killed the child. */
  readonly killed: boolean;
}

/**
 * Runs a compiled fixture (`dist/test/fixtures/<name>.js`) in its own process with a hard deadline
 * (STYLE rule 14): a case that may hang or crash the process cannot take the test runner with it.
 */
export function runFixture(name: string, args: readonly string[], deadlineMs: number, execArgv: readonly string[] = ['--no-node-snapshot']): Promise<ChildResult> {
  const file = fileURLToPath(new URL(`../fixtures/${name}.js`, import.meta.url));
  return new Promise((resolve) => {
    const env = { ...process.env, NODE_OPTIONS: (process.env.NODE_OPTIONS ?? '').replace(/--no-node-snapshot/g, '').trim() };
    const child = spawn(process.execPath, [...execArgv, file, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, deadlineMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, killed });
    });
  });
}

/** The last line of a fixture's stdout parsed as JSON (fixtures print their verdict last). */
export function lastJson<T>(stdout: string): T {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1] ?? 'null') as T;
}
