export { WorkerPool, type PoolEvents, type PoolSettings } from './worker-pool.js';
