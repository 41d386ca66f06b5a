/**
 * Issue 13: how often the catastrophic player (`new Array(1e8).fill(0)`) takes the whole process down,
 * and whether a restarted process runs it again. Starts `--burners` CPU-bound processes, then starts the
 * host `--starts` times in a row (a supervisor's restart loop), each time for 3 ticks of the catastrophic
 * player and 4 bystanders on a fresh in-memory store, with 256 MB isolates, the 5 s hang timeout and
 * `onHungWorker: 'replace'`. With `--journal` every start shares one suspect journal; without it there is
 * none (the behaviour before issue 13). Prints how each start ended. The in-memory store does not outlive
 * its process: a start that committed the penalty there leaves nothing for the next one, which meets
 * the player afresh (the crash-loop test in test/faults uses the durable Redis + MongoDB store).
 *
 *   node --no-node-snapshot dist/benchmarks/crash-rate.js --starts 5 --burners 2 [--journal]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from '../src/cli/args.js';
import { createRuntime, MemoryStorage } from '../src/index.js';

const args = parseArgs(process.argv.slice(2), { starts: 'int', burners: 'int', journal: 'flag', host: 'string' });

if (args.host !== undefined) {
  // One host process: 3 ticks, one line per tick, then ends hard (a hung thread cannot be stopped).
  const storage = new MemoryStorage();
  storage.addUser({ id: 'bomb', cpu: 100, cpuAvailable: 10_000, modules: { main: 'module.exports.loop = function () { new Array(1e8).fill(0); };' } });
  for (let i = 0; i < 4; i++) storage.addUser({ id: `p${i}`, cpu: 100, cpuAvailable: 10_000, modules: { main: 'module.exports.loop = function () { Memory.t = Game.time; };' } });
  const runtime = await createRuntime({ storage, poolSize: 2, logger: 'silent', onHungWorker: 'replace', suspectJournal: args.host === '-' ? '' : (args.host as string) });
  for (let t = 1; t <= 3; t++) {
    const report = await runtime.runTick(t);
    console.log(`tick ${t}: bomb ${report.results.find((r) => r.userId === 'bomb')?.outcome}, ${Math.round(report.durationMs)} ms`);
  }
  process.kill(process.pid, 'SIGKILL');
} else {
  const starts = (args.starts as number | undefined) ?? 5;
  const dir = mkdtempSync(join(tmpdir(), 'crash-rate-'));
  const journal = args.journal === true ? join(dir, 'suspects.json') : '-';
  const load: ChildProcess[] = Array.from({ length: (args.burners as number | undefined) ?? 2 }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  const self = fileURLToPath(import.meta.url);
  try {
    for (let i = 1; i <= starts; i++) {
      const ended = await new Promise<string>((resolve) => {
        const child = spawn(process.execPath, ['--no-node-snapshot', self, '--host', journal], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('close', (code, signal) => resolve(`${signal ?? `exit ${code}`} after [${out.trim().split('\n').filter(Boolean).join('; ')}]`));
      });
      console.log(`start ${i}: ${ended}`);
    }
  } finally {
    for (const p of load) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}
