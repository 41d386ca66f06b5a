import type { ResolvedOptions } from '../options.js';
import type { UserId } from '../shared/ids.js';
import type { OutcomeKind } from '../shared/outcome.js';
import type { TelemetryBus } from './bus.js';
import { MetricsEndpoint } from './http.js';
import { IsolateTable, type IsolateInfo } from './isolates.js';
import type { Logger } from './logger.js';
import { Metrics } from './metrics.js';
import { Monitor } from './monitor.js';
import { watchProcessErrors } from './process-errors.js';
import { Watchdog } from './watchdog.js';

export type ObservabilitySettings = Pick<
  ResolvedOptions,
  | 'watchdogThreshold'
  | 'watchdogNotifyGroupMinutes'
  | 'watchdogNotifyCooldownMinutes'
  | 'logBurstPerPlayer'
  | 'logRefillPerMinute'
  | 'telemetryMaxPlayers'
  | 'perPlayerMetrics'
  | 'metricsPort'
  | 'metricsHost'
> & { readonly clock?: () => number };

/** What the telemetry room needs from the rest of the kernel (wired in `runtime.ts`). */
export interface ObservabilityHooks {
  /** Stores a watchdog notification (storage's optional `notify`). */
  notify(userId: UserId, message: string, groupIntervalMs: number): Promise<void>;
  /** Feeds the throttle registry (scheduler room) with every player tick's outcome. */
  outcome(userId: UserId, outcome: OutcomeKind, gameTime: number): void;
  /** Players the throttle registry currently delays or quarantines. */
  throttledPlayers(): number;
  /** What the runtime is doing, for the context of process-level error logs. */
  context(): Record<string, unknown>;
  /** Health as `/healthz` reports it. */
  health(): { ok: boolean; [key: string]: unknown };
}

/**
 * The consumers of the telemetry bus, in one place: monitor (logs), watchdog, metrics, the per-player
 * isolate table and the opt-in HTTP endpoint. Everything here is fed by bus events only, so what a host
 * sees on `runtime.on(...)` is exactly what drives them.
 */
export class Observability {
  readonly watchdog: Watchdog;
  readonly metrics: Metrics;
  readonly isolates: IsolateTable;
  readonly monitor: Monitor;
  readonly #unwatch: () => void;
  #endpoint: MetricsEndpoint | null = null;

  constructor(bus: TelemetryBus, logger: Logger, settings: ObservabilitySettings, hooks: ObservabilityHooks) {
    this.isolates = new IsolateTable(settings.telemetryMaxPlayers);
    this.metrics = new Metrics({ perPlayer: settings.perPlayerMetrics }, this.isolates, () => hooks.throttledPlayers());
    this.monitor = new Monitor(logger, {
      burst: settings.logBurstPerPlayer,
      refillPerMinute: settings.logRefillPerMinute,
      ...(settings.clock ? { clock: settings.clock } : {}),
    });
    this.watchdog = new Watchdog(
      {
        threshold: settings.watchdogThreshold,
        notifyGroupMs: settings.watchdogNotifyGroupMinutes * 60_000,
        notifyCooldownMs: settings.watchdogNotifyCooldownMinutes * 60_000,
        ...(settings.clock ? { clock: settings.clock } : {}),
      },
      {
        restart: (userId, failures, gameTime) => {
          logger.warn({ userId, failures, gameTime }, 'watchdog: cold restart of the player isolate requested');
          this.metrics.watchdogRestart();
          bus.emit('watchdog:restart', { userId, failures, gameTime });
        },
        notify: (userId, message, groupIntervalMs) => {
          hooks.notify(userId, message, groupIntervalMs).catch((error: unknown) => logger.error({ userId, err: error }, 'watchdog notification not stored'));
        },
      },
    );
    bus.on('player:tick', (e) => {
      this.isolates.onTelemetry(e);
      this.metrics.playerTick(e);
      // A player that could not even be loaded (storage down, bad record) is not failing its script:
      // restarting its isolate or throttling it would punish it for the kernel's or the store's fault.
      if (e.worker !== null || e.outcome !== 'internalError') {
        this.watchdog.record(e.userId, e.outcome, e.gameTime);
        hooks.outcome(e.userId, e.outcome, e.gameTime);
      }
      this.monitor.onTelemetry(e);
    });
    bus.on('tick:finished', (s) => this.metrics.tickFinished(s));
    bus.on('worker:stats', (s) => this.metrics.workerStats(s.slot, s.isolates, s.rssBytes));
    bus.on('sandbox:created', (e) => this.metrics.isolateCreated(e.reason));
    bus.on('sandbox:recycled', (e) => {
      this.metrics.isolateRecycled(e.userId, e.reason);
      this.isolates.recycled(e.userId);
    });
    bus.on('worker:exited', (e) => this.metrics.workerExited(e.slot, e.reason));
    bus.on('worker:hung', () => this.metrics.workerHung());
    bus.on('runtime:fatal', () => this.metrics.catastrophic('fatal'));
    this.#unwatch = watchProcessErrors((kind, error) => {
      this.metrics.catastrophic(kind);
      this.monitor.processError(kind, error, hooks.context());
      bus.emit('process:error', { kind, error });
    });
    this.#health = hooks.health;
  }

  readonly #health: ObservabilityHooks['health'];

  /** Starts the HTTP endpoint when `metricsPort` is set; returns its address. */
  async listen(host: string, port: number): Promise<{ host: string; port: number }> {
    this.#endpoint = await MetricsEndpoint.listen(host, port, {
      metrics: () => this.metrics.text(),
      metricsContentType: this.metrics.contentType,
      isolates: () => ({ players: this.isolates.list() satisfies IsolateInfo[] }),
      health: () => this.#health(),
    });
    return this.#endpoint.address;
  }

  get endpoint(): { host: string; port: number } | null {
    return this.#endpoint?.address ?? null;
  }

  async close(): Promise<void> {
    this.#unwatch();
    await this.#endpoint?.close();
    this.#endpoint = null;
  }
}
