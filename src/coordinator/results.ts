import type { RunRequest, RunResult } from '../shared/protocol.js';
import { OUTCOME_POLICY } from '../shared/outcome.js';
import type { TickCommit, UserRecord, UserUpdate } from '../storage/port.js';
import { billTick, type CpuSettings } from './cpu.js';

/**
 * Turns one player's run result into the storage commit of that tick (F25, F42, F46-F48, F50): what
 * changed, the console to publish, errors, the CPU bill and bucket.
 */
export function commitFor(user: UserRecord, request: RunRequest, result: RunResult, settings: CpuSettings): { commit: TickCommit; usedTime: number } {
  const output = result.output;
  const ran = OUTCOME_POLICY[result.outcome].ran;
  // Deliberate difference: CPU that really ran is billed on every outcome (the official driver bills
  // nothing on halts, memory-limit disposals and rejected ticks, so such ticks were free).
  const bill = ran ? billTick(user, result.cpu.billedMs, output?.intentsCount ?? 0, settings) : null;
  const usedTime = bill?.usedTime ?? 0;
  // `output` exists only on outcomes that keep results (F42); `RunResult`'s type holds that rule.
  if (output === undefined) {
    return {
      usedTime,
      commit: {
        userId: request.userId,
        gameTime: request.gameTime,
        user: bill?.update ?? {},
        console: null,
        errors: result.errors,
        consumedCommands: [],
      },
    };
  }
  const update: UserUpdate = { ...bill?.update };
  if (output.activeSegments !== undefined) update.activeSegments = output.activeSegments;
  if (output.defaultPublicSegment !== undefined) update.defaultPublicSegment = output.defaultPublicSegment;
  if (output.activeForeignSegment !== undefined) update.activeForeignSegment = output.activeForeignSegment;
  const memoryLength = (output.memory ?? request.memory).length;
  const commit: TickCommit = {
    userId: request.userId,
    gameTime: request.gameTime,
    user: update,
    console: output.console,
    errors: result.errors,
    cpuStat: { cpu: usedTime, memory: memoryLength },
    consumedCommands: output.consumedCommands,
    ...(output.memory !== undefined ? { memory: output.memory } : {}),
    ...(output.segments !== undefined ? { segments: output.segments } : {}),
    ...(output.publicSegments !== undefined ? { publicSegments: output.publicSegments } : {}),
    ...(output.interShard !== undefined ? { interShard: output.interShard } : {}),
    ...(output.intents && Object.keys(output.intents).length > 0 ? { intents: output.intents } : {}),
    ...(output.visuals !== undefined ? { visuals: output.visuals } : {}),
  };
  return { commit, usedTime };
}
