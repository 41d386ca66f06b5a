import { EventEmitter } from 'eventemitter3';
import type { RuntimeEventName, RuntimeEvents } from './events.js';

/**
 * Typed telemetry bus. eventemitter3 calls listeners synchronously and lets a throw propagate into the
 * emitter's caller, so every listener is wrapped: a listener that throws is reported on
 * `listener:error` and can never break a tick.
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
    let forEvent = this.#wrapped.get(event);
    if (!forEvent) this.#wrapped.set(event, (forEvent = new Map()));
    forEvent.set(listener, safe);
    this.#emitter.on(event, safe);
    return () => this.off(event, listener);
  }

  off<E extends RuntimeEventName>(event: E, listener: (...args: RuntimeEvents[E]) => void): void {
    const forEvent = this.#wrapped.get(event);
    const safe = forEvent?.get(listener);
    if (!safe) return;
    forEvent!.delete(listener);
    this.#emitter.off(event, safe);
  }

  emit<E extends RuntimeEventName>(event: E, ...args: RuntimeEvents[E]): void {
    this.#emitter.emit(event, ...args);
  }

  listenerCount(event: RuntimeEventName): number {
    return this.#emitter.listenerCount(event);
  }

  removeAllListeners(): void {
    this.#emitter.removeAllListeners();
    this.#wrapped.clear();
  }
}
