export { BUCKET_EMPTY_MESSAGE, PENALTY_MESSAGE, billTick, cpuGate, INTENT_CPU, type CpuSettings, type GateDecision } from './cpu.js';
export { commitFor } from './results.js';
export { TickCoordinator, throttledMessage, type PlayerTickReport, type TickGuards, type TickHooks, type TickReport, type TickScheduler, type TickSettings } from './tick.js';
export { notRunEvent, ranEvent, roomsOf, type NotRunTick, type RanTick, type StageTimings } from './telemetry.js';
export { groupIntents, type GroupedIntents, type IntentFieldType, type IntentTable, type ObjectRooms } from './intents.js';
