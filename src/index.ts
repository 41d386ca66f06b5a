/**
 * Public API of the runtime kernel.
 */
export { createRuntime, Runtime } from './runtime.js';
export type { ExecuteOptions, ExecuteRequest } from './execute-request.js';
export { hasNoNodeSnapshot } from './process-flags.js';
export { OPTIONS, resolveOptions, type HungWorkerPolicy, type ResolvedOptions, type RuntimeOptions } from './options.js';
export { ErrorCode, InvalidOptionError, KernelError, MissingNoNodeSnapshotError, StorageError } from './errors.js';
export { hashModules, isUserId, parseUserId, type CodeHash, type Modules, type ModuleSource, type UserId } from './shared/ids.js';
export { ColdStartReason, OUTCOME_POLICY, OutcomeKind, SkipReason, isFailure, keepsResults, type OutcomePolicy } from './shared/outcome.js';
export type { ConsoleCommand, ConsoleLine, CpuLimits, HostBootstrap, MmoCpuRequests, MmoCpuState, PlayerOutput, RunRequest, RunResult } from './shared/protocol.js';
export { BUCKET_EMPTY_MESSAGE, PENALTY_MESSAGE, type PlayerTickReport, type TickReport } from './coordinator/index.js';
export { groupIntents, type GroupedIntents, type IntentFieldType, type IntentTable, type ObjectRooms } from './coordinator/index.js';
export { MemoryStorage, type Notification, type SeedUser } from './storage/memory.js';
export * from './storage/payloads.js';
export type { CodeRecord, CommitReport, LoadRequest, LoadResult, PlayerContext, StoragePort, TickCommit, UserRecord, UserUpdate } from './storage/port.js';
export { TelemetryBus, type Logger, type PlayerTickTelemetry, type RuntimeEventName, type RuntimeEvents, type TickSummary } from './telemetry/index.js';
export { throttledMessage } from './coordinator/index.js';
export type { KernelNotice } from './storage/port.js';
export { ThrottleRegistry, type ThrottleSettings, type ThrottleState } from './scheduler/index.js';
export { createSinkLogger, Monitor, Watchdog, watchdogMessage, type IsolateInfo } from './telemetry/index.js';
export { QUEUE_OPTIONS, resolveQueueOptions, type QueueOptions, type ResolvedQueueOptions } from './options.js';
export { QueueRunner, QueueTickCoordinator, USERS_QUEUE, UsersQueue, queueKeys } from './queue/index.js';
export type { FetchedBatch, PlayerBatchRunner, QueueRunnerHooks, QueueTickReport, ResetReport, RunnerSettings, RunnerStats } from './queue/index.js';
export { RedisMongoStorage, RedisMongoAdmin, type RedisMongoOptions, type RedisMongoSeedUser } from './storage/redis-mongo/index.js';
export { createDriverCompat, type DriverCompat, type DriverCompatOptions } from './compat/index.js';
