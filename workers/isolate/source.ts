/**
 * Builds the source text of the in-isolate runtime from the runtime factories. Each factory is a plain
 * function that only uses its parameters, ECMAScript built-ins and the other factories listed here, so
 * its compiled text can be evaluated inside an isolate as-is. The result is compiled once per worker
 * (cachedData) and run once per isolate.
 */
import { LIMITS } from '../../src/shared/limits.js';
import { makeConsole } from './console.js';
import { methodDescriptors } from './descriptors.js';
import { memoryTail } from './framing.js';
import { formatError } from './errors.js';
import { addMmoCpu, makeGame } from './game.js';
import { makeIntents } from './intents.js';
import { installKernel } from './install.js';
import { makeInterShardMemory, makeMemoryDefiner, makeRawMemory } from './memory.js';
import { decodeBase64, dropUnfinished, makeRequire, runMainLoop } from './require.js';
import { capWebAssembly } from './wasm.js';

/** File name of the runtime script; frames from it are removed from player stack traces. */
export const RUNTIME_FILE = '<runtime>';

const FACTORIES: Record<string, (...args: never[]) => unknown> = {
  methodDescriptors,
  makeConsole,
  memoryTail,
  formatError,
  makeIntents,
  makeRawMemory,
  makeMemoryDefiner,
  makeInterShardMemory,
  makeRequire,
  dropUnfinished,
  runMainLoop,
  makeGame,
  addMmoCpu,
  decodeBase64,
  capWebAssembly,
  installKernel,
};

let cached: string | undefined;

export function runtimeSource(): string {
  if (cached !== undefined) return cached;
  const parts = Object.entries(FACTORIES).map(([name, fn]) => `const ${name} = ${fn.toString()};`);
  // The player-facing limits, shared with the main thread and the worker (`src/shared/limits.ts`).
  cached = `(function () {\n'use strict';\nconst LIMITS = ${JSON.stringify(LIMITS)};\n${parts.join('\n')}\nglobalThis.__kernel = installKernel(globalThis);\n})();\n`;
  return cached;
}
