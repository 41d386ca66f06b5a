/** `npm run build:official-runtime`: builds the official driver's in-isolate runtime (see `official-driver.ts`). */
import { ensureOfficialRuntime } from './official-driver.js';

ensureOfficialRuntime();
console.log('official runtime built');
