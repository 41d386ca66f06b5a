export { MemoryStorage, type Notification, type SeedUser } from './memory.js';
export * from './payloads.js';
export type * from './port.js';
