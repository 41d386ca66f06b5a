export * from './ids.js';
export * from './outcome.js';
export * from './protocol.js';
export * from './heartbeat.js';
export * from './lru.js';
export * from './result-consumer.js';
