/**
 * The official pub/sub payloads (F46, F48) and error-notification grouping (F47), shared by every
 * adapter so they publish byte-identical messages.
 */
import he from 'he';
import type { UserId } from '../shared/ids.js';
import type { ConsoleLine } from '../shared/protocol.js';

export const consoleChannel = (userId: UserId | string): string => `user:${userId}/console`;
export const cpuChannel = (userId: UserId | string): string => `user:${userId}/cpu`;

/** F49: the Invader ('2') and Source Keeper ('3') users never publish console output. */
export const isNpcUser = (userId: UserId | string): boolean => userId === '2' || userId === '3';

/** F46/F38: `{messages:{log,results},userId}`, `console.log` lines HTML-encoded with `he`. */
export function consoleMessagesPayload(userId: UserId, log: readonly ConsoleLine[], results: readonly string[]): string {
  return JSON.stringify({
    messages: { log: log.map((line) => (line.escape ? he.encode(line.message) : line.message)), results },
    userId,
  });
}

/** F46: `{userId, error}`. */
export function consoleErrorPayload(userId: UserId, error: string): string {
  return JSON.stringify({ userId, error });
}

/** F48: `{cpu, memory}`. */
export function cpuPayload(cpu: number | 'error', memory: number): string {
  return JSON.stringify({ cpu, memory });
}

/** F47: error notices are grouped by `ceil(now / interval) * interval`, interval in minutes (default 30). */
export function notificationDate(now: number, intervalMinutes: number | undefined): number {
  const interval = (intervalMinutes || 30) * 60 * 1000;
  return Math.ceil(now / interval) * interval;
}

/**
 * F44/F45: the date a `Game.notify` message is grouped under: `ceil(now / interval) * interval` with the
 * interval in whole ms, or `now` itself when the interval is 0 (no grouping; a 0 does not fall back to
 * the 30 minutes of error notices).
 */
export function notifyMessageDate(now: number, groupIntervalMinutes: number): number {
  const interval = Math.floor(groupIntervalMinutes * 60 * 1000);
  return interval ? Math.ceil(now / interval) * interval : now;
}

/** F44: notify intents: message cut to 500 characters, group interval clamped to 0..1440 minutes. */
export function normaliseNotify(intent: unknown): { message: string; groupInterval: number } | null {
  if (intent === null || typeof intent !== 'object') return null;
  const { message, groupInterval } = intent as { message?: unknown; groupInterval?: unknown };
  if (message === undefined) return null;
  let interval = Number(groupInterval);
  if (!Number.isFinite(interval) || interval < 0) interval = 0;
  if (interval > 1440) interval = 1440;
  return { message: String(message).substring(0, 500), groupInterval: interval };
}
