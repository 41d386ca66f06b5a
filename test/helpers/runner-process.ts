import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** One JSON line a queue-runner fixture printed. */
export interface RunnerEvent {
  readonly event: string;
  readonly runner: string;
  readonly gameTime?: number;
  readonly ids?: readonly string[];
  readonly movedFrom?: Readonly<Record<string, string>>;
  readonly movedRunner?: readonly string[];
  readonly committed?: number;
  readonly released?: number;
  readonly [key: string]: unknown;
}

/**
 * A queue-runner fixture in its own process, driven by handshakes on its stdout lines. Every wait has
 * a hard deadline (a hang guard, not a timing assertion) so a broken runner fails the test instead of
 * hanging it.
 */
export class RunnerProcess {
  readonly events: RunnerEvent[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcess;
  readonly #listeners = new Set<() => void>();
  #stderr = '';

  constructor(config: Record<string, unknown>) {
    const file = fileURLToPath(new URL('../fixtures/queue-runner.js', import.meta.url));
    const env = { ...process.env, NODE_OPTIONS: (process.env.NODE_OPTIONS ?? '').replace(/--no-node-snapshot/g, '').trim() };
    this.#child = spawn(process.execPath, ['--no-node-snapshot', file, JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'], env });
    let buffer = '';
    this.#child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.startsWith('{')) this.events.push(JSON.parse(line) as RunnerEvent);
      }
      for (const l of this.#listeners) l();
    });
    this.#child.stderr!.on('data', (chunk: Buffer) => (this.#stderr += chunk.toString()));
    this.exited = new Promise((resolve) => {
      this.#child.on('close', (code, signal) => {
        for (const l of this.#listeners) l();
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Resolves with the first event (already seen or future) that matches. */
  waitFor(match: (e: RunnerEvent) => boolean, what: string, deadlineMs = 90_000): Promise<RunnerEvent> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.find(match);
        if (found) {
          cleanup();
          resolve(found);
        } else if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
          cleanup();
          reject(new Error(`runner exited before ${what}; stderr: ${this.#stderr.slice(-2000)}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`runner did not report ${what} within ${deadlineMs} ms; events: ${JSON.stringify(this.events.map((e) => e.event))}`));
      }, deadlineMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      this.#listeners.add(check);
      check();
    });
  }

  send(line: string): void {
    this.#child.stdin!.write(`${line}\n`);
  }

  kill(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  /** Players this runner reported as run (after commit) for a tick. */
  ran(gameTime: number): string[] {
    return this.events.filter((e) => e.event === 'ran' && e.gameTime === gameTime).flatMap((e) => e.ids ?? []);
  }
}
