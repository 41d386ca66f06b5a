/**
 * Hand-written SVG (no chart dependency): throughput by scenario (kernel and its baselines) and by pool
 * size. Bars are on a log scale, because baselines differ from the kernel by orders of magnitude.
 */
import type { RunRecord } from './report.js';

interface Bar {
  readonly label: string;
  readonly value: number;
  readonly colour: string;
}

const COLOURS: Record<string, string> = { kernel: '#2b6cb0', floor: '#718096', 'per-task': '#d69e2e', 'fresh-isolate': '#c53030' };
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panel(title: string, bars: readonly Bar[], x: number, y: number, width: number): { svg: string; height: number } {
  const rowH = 22;
  const labelW = 300;
  const max = Math.max(10, ...bars.map((b) => b.value));
  const logMax = Math.log10(max);
  const barW = width - labelW - 90;
  const parts = [`<text x="${x}" y="${y + 14}" font-weight="bold">${esc(title)}</text>`];
  bars.forEach((b, i) => {
    const top = y + 26 + i * rowH;
    const len = b.value > 1 ? (Math.log10(b.value) / logMax) * barW : 1;
    parts.push(`<text x="${x + labelW - 6}" y="${top + 14}" text-anchor="end">${esc(b.label)}</text>`);
    parts.push(`<rect x="${x + labelW}" y="${top + 2}" width="${len.toFixed(1)}" height="${rowH - 6}" fill="${b.colour}"/>`);
    parts.push(`<text x="${(x + labelW + len + 4).toFixed(1)}" y="${top + 14}">${Math.round(b.value).toLocaleString('en-US')}</text>`);
  });
  return { svg: parts.join('\n'), height: 36 + bars.length * rowH };
}

export function chart(record: RunRecord): string {
  const width = 760;
  const byScenario: Bar[] = [];
  const byPool: Bar[] = [];
  for (const { id, result } of record.results) {
    if (result.skipped !== undefined || result.throughput === null) continue;
    const bar = { label: id, value: result.throughput, colour: COLOURS[result.scenario] ?? '#2f855a' };
    const key = (r: typeof result): string => `${r.params.kind}/${r.params.players}`;
    const pools = new Set(record.results.filter((r) => r.result.scenario === 'kernel' && key(r.result) === key(result)).map((r) => r.result.params.poolSize));
    if (result.scenario === 'kernel' && pools.size > 1) byPool.push(bar);
    byScenario.push(bar);
  }
  byPool.sort((a, b) => a.label.localeCompare(b.label));
  const top = panel('Player-ticks per second by scenario (log scale)', byScenario, 10, 40, width);
  const bottom = panel('Player-ticks per second by pool size (log scale)', byPool, 10, 50 + top.height, width);
  const height = 70 + top.height + bottom.height;
  const e = record.environment;
  const legend = Object.entries(COLOURS)
    .map(([name, colour], i) => `<rect x="${10 + i * 120}" y="${height - 18}" width="12" height="12" fill="${colour}"/><text x="${26 + i * 120}" y="${height - 8}">${name}</text>`)
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="20" font-size="14" font-weight="bold">${esc(`${record.command}: ${e.cores} × ${e.cpuModel}, Node ${e.node}, commit ${e.gitCommit}`)}</text>
${top.svg}
${bottom.svg}
${legend}
</svg>
`;
}
