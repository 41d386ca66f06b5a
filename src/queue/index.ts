export { queueKeys, USERS_QUEUE, type QueueKeys } from './keys.js';
export { connectRedis, createRedisClient, LuaScript, type RedisClient } from './redis-client.js';
export { QueueRunner, type PlayerBatchRunner, type QueueRunnerHooks, type RunnerSettings, type RunnerStats } from './runner.js';
export { QueueTickCoordinator, type ActiveUsersSource, type QueueTickHooks, type QueueTickReport } from './tick-coordinator.js';
export { UsersQueue, type FetchedBatch, type ResetReport } from './users-queue.js';
