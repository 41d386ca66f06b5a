/** A tiny source-map writer for tests: Base64 VLQ mappings from explicit segments. */
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function vlq(value: number): string {
  let v = value < 0 ? (-value << 1) | 1 : value << 1;
  let out = '';
  do {
    let digit = v & 31;
    v >>>= 5;
    if (v > 0) digit |= 32;
    out += B64[digit];
  } while (v > 0);
  return out;
}

/** One mapping: generated column -> (source index, source line, source column), all 0-based. */
export type Segment = readonly [genColumn: number, source: number, line: number, column: number];

/** Encodes `lines[i]` = segments of generated line i+1 into a v3 `mappings` string. */
export function encodeMappings(lines: readonly (readonly Segment[])[]): string {
  let source = 0;
  let line = 0;
  let column = 0;
  return lines
    .map((segments) => {
      let gen = 0;
      return segments
        .map(([g, s, l, c]) => {
          const text = vlq(g - gen) + vlq(s - source) + vlq(l - line) + vlq(c - column);
          gen = g;
          source = s;
          line = l;
          column = c;
          return text;
        })
        .join(',');
    })
    .join(';');
}

export function sourceMap(sources: readonly string[], lines: readonly (readonly Segment[])[]): string {
  return JSON.stringify({ version: 3, sources, names: [], mappings: encodeMappings(lines) });
}
