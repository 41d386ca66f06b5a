import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function runCli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--no-node-snapshot', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the demo command', () => {
  it('shows the progress and one table, and sends per-player warnings to the log file it names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kernel-demo-'));
    try {
      const logFile = join(dir, 'demo.log');
      // 50 players include every sample kind, among them erroring and looping ones that log warnings.
      const { code, stdout, stderr } = await runCli(['demo', '--players', '50', '--ticks', '3', '--pool', '1', '--log-file', logFile]);
      assert.equal(code, 0, stderr);
      for (const kind of ['trivial', 'erroring', 'infiniteLoop']) assert.match(stdout, new RegExp(`^${kind} `, 'm'));
      assert.match(stdout, /log lines/);
      assert.doesNotMatch(stdout + stderr, /"level":/, 'no JSON log line reaches the terminal');
      const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { userId?: string; msg: string });
      assert.ok(lines.length > 0);
      assert.ok(lines.some((l) => l.msg === 'player script error'));
      assert.match(stdout, new RegExp(`${lines.length} warning line\\(s\\) .* in ${logFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
