/**
 * /proc readings (Linux) of the official server's processes the real-world benchmark starts: each child
 * process of this one found by its script, its CPU split into the main thread and the other threads
 * (worker threads, isolated-vm's threads, GC helpers), and its RSS. The world harness does not expose its
 * children's pids, so they are found as this process's children.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export interface ProcCpu {
  /** user + system CPU of the whole process, ms. */
  readonly totalMs: number;
  /** Of which the main thread's (the JavaScript event loop of the process). */
  readonly mainMs: number;
}

function statFields(file: string): string[] | null {
  try {
    // Fields after the command name (which may contain spaces): state is index 0, utime 11, stime 12.
    return readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
  } catch {
    return null;
  }
}

const cpuOf = (fields: string[]): number => ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;

/** Pids of this process's children whose command line contains `script`. */
export function childPids(script: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(`/proc/${entry}/stat`);
    if (fields === null || Number(fields[1]) !== process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(script)) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

export function procCpu(pid: number): ProcCpu {
  const all = statFields(`/proc/${pid}/stat`);
  const main = statFields(`/proc/${pid}/task/${pid}/stat`);
  return { totalMs: all === null ? Number.NaN : cpuOf(all), mainMs: main === null ? Number.NaN : cpuOf(main) };
}

/** Sum over several processes (the processors). */
export function sumCpu(pids: readonly number[]): ProcCpu {
  return pids.map(procCpu).reduce((a, b) => ({ totalMs: a.totalMs + b.totalMs, mainMs: a.mainMs + b.mainMs }), { totalMs: 0, mainMs: 0 });
}

/** CPU ms of a process's threads grouped by thread name (`comm`: e.g. `node` for the main and worker threads, V8's and libuv's pools by their own names). */
export function threadCpuByName(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const fields = statFields(`/proc/${pid}/task/${tid}/stat`);
    if (fields === null) continue;
    let name = 'unknown';
    try {
      name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
    } catch {
      // gone meanwhile
    }
    if (tid === String(pid)) name = 'main';
    out[name] = (out[name] ?? 0) + cpuOf(fields);
  }
  return out;
}

export function rssMb(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
    return Number(line?.split(/\s+/)[1]) / 1024;
  } catch {
    return Number.NaN;
  }
}
