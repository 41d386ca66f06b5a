/**
 * Recording a process with Linux `perf` and printing its samples by category (`perf-profile.ts`): shared
 * by `profile-runner.ts` (the kernel runner of a server) and `profile-trivial.ts` (the kernel itself).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GROUPS, classifyPerfScript, type Profile } from './perf-profile.js';

/** Why `perf` cannot be used here, or null when it can. */
function perfUnavailable(): string | null {
  if (process.platform !== 'linux') return 'needs Linux (perf and /proc)';
  if (spawnSync('perf', ['--version']).status !== 0) return 'needs Linux perf on the PATH (Debian: apt-get install linux-perf)';
  return null;
}

/** A reason a profiler cannot start (a bad option, no `perf`), told in one line. */
export class ProfileUsageError extends Error {}

/** The profilers' `--players`, `--warmup` and `--seconds` (positive whole numbers, else the defaults); checks that `perf` can run. */
export function profileOptions(defaults: { readonly players: number; readonly warmup: number; readonly seconds: number }): { players: number; warmup: number; seconds: number } {
  const { values } = parseArgs({ options: { players: { type: 'string' }, warmup: { type: 'string' }, seconds: { type: 'string' } } });
  const positive = (name: keyof typeof defaults): number => {
    const value = values[name];
    if (value === undefined) return defaults[name];
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new ProfileUsageError(`--${name} takes a positive whole number, got "${value}"`);
    return n;
  };
  const options = { players: positive('players'), warmup: positive('warmup'), seconds: positive('seconds') };
  const unavailable = perfUnavailable();
  if (unavailable !== null) throw new ProfileUsageError(unavailable);
  return options;
}

/**
 * `perf record -g` of process `pid` for `seconds`, then `perf script`, classified. Asynchronous, so the
 * process may record itself while it keeps working. Rejects with perf's own last lines on failure.
 */
export async function recordProfile(pid: number, seconds: number): Promise<Profile> {
  const dir = mkdtempSync(join(tmpdir(), 'perf-record-'));
  const data = join(dir, 'perf.data');
  try {
    const record = spawn('perf', ['record', '-F', '999', '-g', '-p', String(pid), '-o', data, '--', 'sleep', String(seconds)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    record.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const status = await new Promise<number | null>((resolve) => record.once('close', resolve));
    if (status !== 0) throw new Error(`perf record failed: ${lastLines(stderr)}`);
    const script = spawnSync('perf', ['script', '-i', data, '-F', 'comm,tid,ip,sym'], { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (script.status !== 0) throw new Error(`perf script failed: ${lastLines(script.stderr)}`);
    return classifyPerfScript(script.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' ');
}

/** The profile as a table: each group and category with its share of samples and of `perPlayerTick` (in `unit`). */
export function printProfile(profile: Profile, perPlayerTick: number, unit: string, digits: number): void {
  const share = (samples: number): string => ((samples / profile.samples) * perPlayerTick).toFixed(digits);
  const pct = (samples: number): string => `${((100 * samples) / profile.samples).toFixed(1)} %`;
  console.log(`${'category'.padEnd(76)} ${'samples'.padStart(8)} ${unit.padStart(7)}`);
  for (const group of GROUPS) {
    const total = profile.byGroup[group];
    if (total === 0) continue;
    console.log(`${group.padEnd(76)} ${pct(total).padStart(8)} ${share(total).padStart(7)}`);
    for (const c of profile.categories.filter((x) => x.group === group)) console.log(`  ${c.name.padEnd(74)} ${pct(c.samples).padStart(8)} ${share(c.samples).padStart(7)}`);
  }
}
