import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PlayerTickTelemetry, TickSummary } from './events.js';
import type { IsolateTable } from './isolates.js';

const PREFIX = 'screeps_kernel_';
/** Seconds: a tick of a few hundred players takes tens to hundreds of ms; stages per player are much shorter. */
const TICK_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const STAGE_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

export interface MetricsSettings {
  /** Per-player series (`user` label): off by default, since every player adds series (cardinality). */
  readonly perPlayer: boolean;
}

/**
 * The Prometheus registry, owned by the main thread (prom-client is not shared with workers): workers
 * send their figures with their batch results (`RunResult.cpu/heap`, `BatchResult.worker`), and the
 * kernel feeds them in here through the telemetry bus. A registry per runtime, never prom-client's
 * global one, so two runtimes in one process do not mix their series.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #tickDuration: Histogram<never>;
  readonly #stageDuration: Histogram<'stage'>;
  readonly #playerTicks: Counter<'outcome' | 'skip_reason'>;
  readonly #cpu: Counter<'kind'>;
  readonly #isolatesAlive: Gauge<'slot'>;
  readonly #isolatesCreated: Counter<'reason'>;
  readonly #isolatesRecycled: Counter<'reason'>;
  readonly #workerRestarts: Counter<'reason'>;
  readonly #workerHangs: Counter<never>;
  readonly #catastrophic: Counter<'kind'>;
  readonly #queueDepth: Gauge<never>;
  readonly #uncommitted: Counter<never>;
  readonly #rss: Gauge<never>;
  readonly #watchdogRestarts: Counter<never>;
  readonly #heapBySlot = new Map<number, Map<string, number>>();

  constructor(settings: MetricsSettings, isolates: IsolateTable, throttledPlayers: () => number) {
    const registers = [this.registry];
    this.#tickDuration = new Histogram({ name: `${PREFIX}tick_duration_seconds`, help: 'Duration of runTick(), load to last commit', buckets: TICK_BUCKETS, registers });
    this.#stageDuration = new Histogram({
      name: `${PREFIX}stage_duration_seconds`,
      help: 'Per player tick: load (the chunk it was loaded in), run (wall time in the worker), persist (its commit batch)',
      labelNames: ['stage'],
      buckets: STAGE_BUCKETS,
      registers,
    });
    this.#playerTicks = new Counter({ name: `${PREFIX}player_ticks_total`, help: 'Player ticks by outcome', labelNames: ['outcome', 'skip_reason'], registers });
    this.#cpu = new Counter({
      name: `${PREFIX}cpu_seconds_total`,
      help: 'Player CPU: billed (real worker-thread CPU) vs reported (isolated-vm cpuTime, wall time on Linux)',
      labelNames: ['kind'],
      registers,
    });
    this.#isolatesAlive = new Gauge({ name: `${PREFIX}isolates_alive`, help: 'Player isolates held by each worker slot (as of its last batch)', labelNames: ['slot'], registers });
    this.#isolatesCreated = new Counter({ name: `${PREFIX}isolates_created_total`, help: 'Isolates created, by cold-start reason', labelNames: ['reason'], registers });
    this.#isolatesRecycled = new Counter({ name: `${PREFIX}isolates_recycled_total`, help: 'Isolates disposed by workers, by reason', labelNames: ['reason'], registers });
    this.#workerRestarts = new Counter({ name: `${PREFIX}worker_restarts_total`, help: 'Worker threads that exited and were replaced, by reason', labelNames: ['reason'], registers });
    this.#workerHangs = new Counter({ name: `${PREFIX}worker_hangs_total`, help: 'Worker threads found hung (heartbeat past its deadline)', registers });
    this.#catastrophic = new Counter({
      name: `${PREFIX}catastrophic_errors_total`,
      help: 'Catastrophic errors: hung workers escalated to fatal, uncaught exceptions and unhandled rejections in the host',
      labelNames: ['kind'],
      registers,
    });
    this.#queueDepth = new Gauge({ name: `${PREFIX}queue_depth`, help: 'Players sent to workers and not yet reported, at the last player tick event', registers });
    this.#uncommitted = new Counter({ name: `${PREFIX}storage_uncommitted_total`, help: 'Player ticks whose results storage did not commit', registers });
    this.#rss = new Gauge({ name: `${PREFIX}process_rss_bytes`, help: 'Resident set size of the process, as the last worker batch reported it', registers });
    new Gauge({
      name: `${PREFIX}players_throttled`,
      help: 'Players delayed by the throttle registry or quarantined',
      registers,
      collect(this: Gauge<never>) {
        this.set(throttledPlayers());
      },
    });
    this.#watchdogRestarts = new Counter({ name: `${PREFIX}watchdog_restarts_total`, help: 'Cold restarts requested by the watchdog', registers });
    const heapBySlot = this.#heapBySlot;
    new Gauge({
      name: `${PREFIX}worker_heap_bytes`,
      help: 'V8 heap used by the player isolates of each worker slot (sum of their last reported used_heap_size)',
      labelNames: ['slot'],
      registers,
      collect(this: Gauge<'slot'>) {
        this.reset();
        for (const [slot, players] of heapBySlot) {
          let sum = 0;
          for (const bytes of players.values()) sum += bytes;
          this.set({ slot: String(slot) }, sum);
        }
      },
    });
    if (settings.perPlayer) {
      new Gauge({
        name: `${PREFIX}player_heap_bytes`,
        help: 'Per player: V8 heap used at the end of its last tick (option perPlayerMetrics)',
        labelNames: ['user'],
        registers,
        collect(this: Gauge<'user'>) {
          this.reset();
          for (const info of isolates.list()) if (info.heap !== null && info.alive) this.set({ user: info.userId }, info.heap.usedBytes);
        },
      });
      new Gauge({
        name: `${PREFIX}player_cpu_billed_seconds`,
        help: 'Per player: CPU billed over the players kept in the isolate table (option perPlayerMetrics)',
        labelNames: ['user'],
        registers,
        collect(this: Gauge<'user'>) {
          this.reset();
          for (const info of isolates.list()) this.set({ user: info.userId }, info.billedMsTotal / 1000);
        },
      });
    }
  }

  playerTick(e: PlayerTickTelemetry): void {
    this.#playerTicks.inc({ outcome: e.outcome, skip_reason: e.skipReason ?? '' });
    this.#stageDuration.observe({ stage: 'load' }, e.stages.loadMs / 1000);
    if (e.worker !== null) this.#stageDuration.observe({ stage: 'run' }, e.stages.runMs / 1000);
    this.#stageDuration.observe({ stage: 'persist' }, e.stages.persistMs / 1000);
    this.#cpu.inc({ kind: 'billed' }, e.cpu.billedMs / 1000);
    this.#cpu.inc({ kind: 'reported' }, e.cpu.reportedMs / 1000);
    this.#queueDepth.set(e.queueDepth);
    if (!e.committed) this.#uncommitted.inc();
    if (e.worker !== null) {
      let players = this.#heapBySlot.get(e.worker.slot);
      if (players === undefined) this.#heapBySlot.set(e.worker.slot, (players = new Map()));
      // A player appears under one slot only: forget it elsewhere when it moved.
      for (const [slot, other] of this.#heapBySlot) if (slot !== e.worker.slot) other.delete(e.userId);
      if (e.heap !== null) players.set(e.userId, e.heap.usedBytes);
      else players.delete(e.userId);
    }
  }

  tickFinished(summary: TickSummary): void {
    this.#tickDuration.observe(summary.durationMs / 1000);
  }

  workerStats(slot: number, isolates: number, rssBytes: number): void {
    this.#isolatesAlive.set({ slot: String(slot) }, isolates);
    this.#rss.set(rssBytes);
  }

  isolateCreated(reason: string): void {
    this.#isolatesCreated.inc({ reason });
  }

  isolateRecycled(userId: string, reason: string): void {
    this.#isolatesRecycled.inc({ reason });
    for (const players of this.#heapBySlot.values()) players.delete(userId);
  }

  workerExited(slot: number, reason: string): void {
    this.#workerRestarts.inc({ reason });
    // Every isolate of that worker is gone with it.
    this.#heapBySlot.delete(slot);
    this.#isolatesAlive.set({ slot: String(slot) }, 0);
  }

  workerHung(): void {
    this.#workerHangs.inc();
  }

  catastrophic(kind: 'fatal' | 'unhandledRejection' | 'uncaughtException'): void {
    this.#catastrophic.inc({ kind });
  }

  watchdogRestart(): void {
    this.#watchdogRestarts.inc();
  }

  /** Prometheus text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
