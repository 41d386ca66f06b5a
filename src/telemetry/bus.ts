import { EventEmitter } from 'eventemitter3';
import { TELEMETRY_ALIASES, type RuntimeEventName, type RuntimeEvents } from './events.js';

/**
 * Typed telemetry bus. eventemitter3 calls listeners synchronously and lets a throw propagate into the
 * emitter's caller, so every listener is wrapped: a listener that throws is reported on
 * `listener:error` and can never break a tick. A former event name (`TELEMETRY_ALIASES`) subscribes to
 * the event it now stands for.
 */
export class TelemetryBus {
  readonly #emitter = new EventEmitter();
  readonly #wrapped = new Map<string, Map<object, (...args: unknown[]) => void>>();

  on<E extends RuntimeEventName>(event: E, listener: (...args: RuntimeEvents[E]) => void): () => void {
    const safe = (...args: unknown[]): void => {
      try {
        listener(...(args as RuntimeEvents[E]));
      } catch (error) {
        if (event === 'listener:error') return;
        this.emit('listener:error', { event, error });
      }
    };
    const name = canonical(event);
    let forEvent = this.#wrapped.get(name);
    if (!forEvent) this.#wrapped.set(name, (forEvent = new Map()));
    forEvent.set(listener, safe);
    this.#emitter.on(name, safe);
    return () => this.off(event, listener);
  }

  off<E extends RuntimeEventName>(event: E, listener: (...args: RuntimeEvents[E]) => void): void {
    const name = canonical(event);
    const forEvent = this.#wrapped.get(name);
    const safe = forEvent?.get(listener);
    if (!safe) return;
    forEvent!.delete(listener);
    this.#emitter.off(name, safe);
  }

  emit<E extends RuntimeEventName>(event: E, ...args: RuntimeEvents[E]): void {
    this.#emitter.emit(canonical(event), ...args);
  }

  listenerCount(event: RuntimeEventName): number {
    return this.#emitter.listenerCount(canonical(event));
  }

  removeAllListeners(): void {
    this.#emitter.removeAllListeners();
    this.#wrapped.clear();
  }
}

function canonical(event: RuntimeEventName): RuntimeEventName {
  return TELEMETRY_ALIASES[event] ?? event;
}
