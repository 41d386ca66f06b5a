/**
 * isolated-vm does not count WebAssembly memory in `memoryLimit` (measured: 1.5 GB grown under a 32 MB
 * limit). This caps it from inside the isolate, before player code runs:
 * - `new WebAssembly.Memory()` must stay within the per-isolate page budget, and always gets a maximum;
 * - a module's own memories (which `memory.grow` could enlarge without any JS call) must declare a
 *   maximum within the budget, checked on `WebAssembly.Module`, `compile`, `validate` and `instantiate`.
 * With a budget of 0 pages, `WebAssembly` is removed altogether.
 */
type Ctor<T> = { new (...args: never[]): T; prototype: T };
type WasmModule = object;
type WasmImports = Record<string, unknown>;
interface WasmApi {
  Memory: Ctor<object> & (new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => object);
  Module: Ctor<WasmModule> & (new (bytes: unknown) => WasmModule) & Record<'exports' | 'imports' | 'customSections', unknown>;
  Instance: Ctor<object> & (new (module: WasmModule, imports?: WasmImports) => object);
  compile(bytes: unknown): Promise<WasmModule>;
  instantiate(source: unknown, imports?: WasmImports): Promise<unknown>;
  validate(bytes: unknown): boolean;
}

export function capWebAssembly(global: Record<string, unknown>, maxPages: number): void {
  const wasm = global.WebAssembly as WasmApi | undefined;
  if (!wasm) return;
  if (maxPages <= 0) {
    delete global.WebAssembly;
    return;
  }
  const RangeError_ = RangeError;
  let committed = 0;
  const OriginalMemory = wasm.Memory;
  const OriginalModule = wasm.Module;
  const originalCompile = wasm.compile;
  const originalInstantiate = wasm.instantiate;
  const originalValidate = wasm.validate;

  function limitError(what: string): RangeError {
    return new RangeError_(`WebAssembly ${what} exceeds this runtime's limit of ${maxPages} pages (${maxPages * 64} KB)`);
  }
  function readLeb(bytes: Uint8Array, state: { at: number }): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[state.at++];
      if (byte === undefined) throw new RangeError_('malformed WebAssembly module');
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if ((byte & 0x80) === 0) return result;
      if (shift > 63) throw new RangeError_('malformed WebAssembly module');
    }
  }
  function toBytes(source: unknown): Uint8Array | null {
    if (source instanceof Uint8Array) return source;
    if (source instanceof ArrayBuffer) return new Uint8Array(source);
    if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    return null;
  }
  // Walks the memory section (id 5) and returns the pages the module's own memories may reach; imported
  // memories come from `WebAssembly.Memory`, checked there.
  function checkModule(source: unknown): number {
    const bytes = toBytes(source);
    let pages = 0;
    if (!bytes || bytes.length < 8) return pages;
    const state = { at: 8 };
    while (state.at < bytes.length) {
      const id = bytes[state.at++];
      const size = readLeb(bytes, state);
      const end = state.at + size;
      if (id === 5) {
        const count = readLeb(bytes, state);
        for (let i = 0; i < count; i++) {
          const flags = readLeb(bytes, state);
          const initial = readLeb(bytes, state);
          const hasMax = (flags & 1) === 1;
          const maximum = hasMax ? readLeb(bytes, state) : Infinity;
          if ((flags & 4) !== 0) throw limitError('64-bit memory');
          if (initial > maxPages || maximum > maxPages) throw limitError('module memory (declare a maximum)');
          pages += maximum;
        }
      }
      state.at = end;
    }
    return pages;
  }
  const modulePages = new WeakMap<object, number>();
  // Pages come back to the budget once the memory holding them has been garbage collected. A module's
  // own memory lives as long as its instance, or longer when exported: it is tracked on the exported
  // Memory object when there is one (captured built-ins: players cannot change what is tracked). Dead
  // holders are swept when the budget runs out (WeakRefs are cleared by V8's GC; cleanup callbacks of a
  // FinalizationRegistry are not run inside an isolate).
  const values = Object.values;
  const WeakRef_ = WeakRef;
  let live: { ref: WeakRef<object>; pages: number }[] = [];
  function commit(pages: number, what: string): void {
    if (committed + pages > maxPages) {
      live = live.filter((entry) => {
        if (entry.ref.deref() !== undefined) return true;
        committed -= entry.pages;
        return false;
      });
    }
    if (committed + pages > maxPages) throw limitError(what);
    committed += pages;
  }
  function track(holder: object, pages: number): void {
    if (pages > 0) live.push({ ref: new WeakRef_(holder), pages });
  }
  function trackInstance(instance: object, pages: number): void {
    const exports = (instance as { exports?: Record<string, unknown> }).exports;
    const memory = exports ? values(exports).find((v) => v instanceof OriginalMemory) : undefined;
    track((memory as object | undefined) ?? instance, pages);
  }
  const OriginalInstance = wasm.Instance;
  function CappedMemory(this: unknown, descriptor: { initial: number; maximum?: number; shared?: boolean }): object {
    if (!new.target) throw new TypeError("Constructor WebAssembly.Memory requires 'new'");
    const initial = Number(descriptor?.initial ?? 0);
    const maximum = descriptor?.maximum === undefined ? maxPages - committed : Number(descriptor.maximum);
    if (!(initial >= 0) || !(maximum >= initial)) throw limitError('memory');
    commit(maximum, 'memory');
    const memory = new OriginalMemory({ ...descriptor, initial, maximum });
    track(memory, maximum);
    return memory;
  }
  CappedMemory.prototype = OriginalMemory.prototype;
  function CappedModule(this: unknown, bytes: unknown): WasmModule {
    if (!new.target) throw new TypeError("Constructor WebAssembly.Module requires 'new'");
    const pages = checkModule(bytes);
    const module = new OriginalModule(bytes);
    modulePages.set(module, pages);
    return module;
  }
  CappedModule.prototype = OriginalModule.prototype;
  function CappedInstance(this: unknown, module: WasmModule, imports?: WasmImports): object {
    if (!new.target) throw new TypeError("Constructor WebAssembly.Instance requires 'new'");
    // Modules compiled before the cap (none exist: the cap is installed first) would be unknown: refuse them.
    const pages = modulePages.get(module);
    if (pages === undefined) throw limitError('module of unknown size');
    commit(pages, 'instance memory');
    const instance = new OriginalInstance(module, imports);
    trackInstance(instance, pages);
    return instance;
  }
  CappedInstance.prototype = OriginalInstance.prototype;
  // `x.constructor` must not lead back to the uncapped constructors.
  for (const [proto, ctor] of [
    [OriginalMemory.prototype, CappedMemory],
    [OriginalModule.prototype, CappedModule],
    [OriginalInstance.prototype, CappedInstance],
  ] as const) {
    Object.defineProperty(proto, 'constructor', { value: ctor, writable: false, configurable: false, enumerable: false });
  }
  Object.assign(CappedModule, {
    exports: OriginalModule.exports,
    imports: OriginalModule.imports,
    customSections: OriginalModule.customSections,
  });
  const patched: Record<string, unknown> = {
    Memory: CappedMemory,
    Module: CappedModule,
    Instance: CappedInstance,
    compile(bytes: unknown) {
      let pages: number;
      try {
        pages = checkModule(bytes);
      } catch (e) {
        return Promise.reject(e);
      }
      return originalCompile.call(wasm, bytes).then((module: WasmModule) => {
        modulePages.set(module, pages);
        return module;
      });
    },
    validate(bytes: unknown) {
      try {
        checkModule(bytes);
      } catch {
        return false;
      }
      return originalValidate.call(wasm, bytes);
    },
    instantiate(source: unknown, imports?: WasmImports) {
      let pages: number;
      try {
        const known = source instanceof OriginalModule ? modulePages.get(source as object) : checkModule(source);
        if (known === undefined) throw limitError('module of unknown size');
        pages = known;
        commit(pages, 'instance memory');
      } catch (e) {
        return Promise.reject(e);
      }
      return originalInstantiate.call(wasm, source, imports).then((result: unknown) => {
        // `instantiate(bytes)` resolves to {module, instance}; `instantiate(module)` to the instance.
        const r = result as { instance?: object; module?: object };
        if (r.module !== undefined) modulePages.set(r.module, pages);
        trackInstance(r.instance ?? (result as object), pages);
        return result;
      });
    },
  };
  for (const name of Object.keys(patched)) {
    Object.defineProperty(wasm, name, { value: patched[name], writable: false, configurable: false, enumerable: false });
  }
  delete (wasm as unknown as Record<string, unknown>).compileStreaming;
  delete (wasm as unknown as Record<string, unknown>).instantiateStreaming;
}
