export { TelemetryBus } from './bus.js';
export type { PlayerTickTelemetry, RuntimeEventName, RuntimeEvents, TickSummary } from './events.js';
export { createLogger, type Logger, type LogLevel } from './logger.js';
