/** `npm run build:official-runtime`: builds the official driver's in-isolate runtime (`ensureOfficialRuntimeBundle`). */
import { ensureOfficialRuntimeBundle } from '../../src/screeps/bundle.js';

ensureOfficialRuntimeBundle();
console.log('official runtime built');
