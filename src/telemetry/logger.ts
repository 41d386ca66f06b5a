import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The runtime's logger: pino, JSON lines on stderr, player data never logged (STYLE rule 11). */
export function createLogger(level: LogLevel | Logger): Logger {
  if (typeof level === 'object') return level;
  return pino({ name: 'screeps-kernel', level, base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
}

/** A logger writing JSON lines to `sink` (synchronously): for hosts that collect logs themselves, and tests. */
export function createSinkLogger(level: LogLevel, sink: (line: string) => void): Logger {
  return pino({ name: 'screeps-kernel', level, base: { pid: process.pid } }, { write: (line: string) => sink(line) });
}
