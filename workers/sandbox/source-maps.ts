import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import type { CodeHash, Modules } from '../../src/shared/ids.js';
import { LruMap } from '../../src/shared/lru.js';

/** Bundles whose maps are kept per worker (parsed maps are large; players with one bundle share it). */
const BUNDLES = 64;
/**
 * An inline or sibling map larger than this is ignored rather than parsed on the worker thread
 * (measured: a 2.9 MB map takes about 0.4 s to parse on first use).
 */
const MAX_MAP_CHARS = 4 * 1024 * 1024;

const INLINE = /\/\/[#@] sourceMappingURL=data:application\/json(?:;charset=[-\w]+)?;base64,([A-Za-z0-9+/=]+)\s*$/;
const EXTERNAL = /\/\/[#@] sourceMappingURL=([^\s'"]+)\s*$/;
/** A stack frame line as `formatError` leaves it: `    at fn (main:12:5)` or `    at main:12:5`. */
const FRAME = /^(\s+at (?:.*? \()?)([^\s()]+):(\d+):(\d+)(\)?)$/gm;

/**
 * Maps player stack traces back to the player's sources, host-side (trusted code; the library runs on
 * the worker thread, never in the isolate). A module's map is its inline
 * `//# sourceMappingURL=data:application/json;base64,...` comment, the module its `sourceMappingURL`
 * names, or a sibling module `<name>.map` / `<name>.js.map`. Maps are parsed on the first error that
 * needs them and cached per code hash + module (this is not the official driver's behaviour: it has
 * no source-map support, spec 3.4).
 */
export class SourceMapCache {
  readonly #bundles = new LruMap<CodeHash, BundleMaps>(BUNDLES);

  /** The maps of one bundle (created empty; nothing is parsed until an error needs it). */
  forBundle(hash: CodeHash, modules: Modules): BundleMaps {
    let maps = this.#bundles.get(hash);
    if (maps === undefined) {
      maps = new BundleMaps(modules);
      this.#bundles.set(hash, maps);
    }
    return maps;
  }
}

export class BundleMaps {
  readonly #modules: Modules;
  readonly #parsed = new Map<string, TraceMap | null>();

  constructor(modules: Modules) {
    this.#modules = modules;
  }

  /** Rewrites every frame of `text` that points into a module with a map; other lines are unchanged. */
  mapStack(text: string): string {
    if (!text.includes(':')) return text;
    return text.replace(FRAME, (frame: string, head: string, file: string, line: string, column: string, tail: string) => {
      const map = this.#mapOf(file);
      if (map === null) return frame;
      const pos = originalPositionFor(map, { line: Number(line), column: Number(column) - 1 });
      if (pos.source === null) return frame;
      const source = pos.source.replace(/</g, '&lt;');
      return `${head}${source}:${pos.line}:${pos.column + 1}${tail}`;
    });
  }

  #mapOf(name: string): TraceMap | null {
    const known = this.#parsed.get(name);
    if (known !== undefined) return known;
    let map: TraceMap | null = null;
    try {
      const text = this.#mapText(name);
      if (text !== null && text.length <= MAX_MAP_CHARS) map = new TraceMap(text);
    } catch {
      // A malformed map: frames of this module stay as they are.
      map = null;
    }
    this.#parsed.set(name, map);
    return map;
  }

  #mapText(name: string): string | null {
    const code = this.#modules[name];
    if (typeof code !== 'string') return null;
    const inline = INLINE.exec(code);
    if (inline) return Buffer.from(inline[1]!, 'base64').toString('utf8');
    const external = EXTERNAL.exec(code);
    const candidates = external ? [external[1]!.replace(/^\.\//, ''), `${name}.map`, `${name}.js.map`] : [`${name}.map`, `${name}.js.map`];
    for (const candidate of candidates) {
      const sibling = this.#modules[candidate];
      if (typeof sibling === 'string') return sibling;
    }
    return null;
  }
}
