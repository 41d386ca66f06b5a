/** Renders rows as an aligned text table. */
export function renderTable(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  const line = (r: readonly (string | number)[]) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join('  ');
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** A one-line progress bar for a TTY (or a plain line every 10 % otherwise). */
export class ProgressBar {
  readonly #total: number;
  readonly #label: string;
  readonly #stream: NodeJS.WriteStream;
  #lastDecile = -1;
  constructor(total: number, label: string, stream: NodeJS.WriteStream = process.stderr) {
    this.#total = total;
    this.#label = label;
    this.#stream = stream;
  }
  update(done: number, suffix = ''): void {
    const ratio = this.#total === 0 ? 1 : done / this.#total;
    if (this.#stream.isTTY) {
      const width = 30;
      const filled = Math.round(ratio * width);
      this.#stream.write(`\r${this.#label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${done}/${this.#total} ${suffix}   `);
      if (done === this.#total) this.#stream.write('\n');
    } else {
      const decile = Math.floor(ratio * 10);
      if (decile !== this.#lastDecile) {
        this.#lastDecile = decile;
        this.#stream.write(`${this.#label} ${done}/${this.#total} ${suffix}\n`);
      }
    }
  }
}
