export { RedisMongoStorage, type RedisMongoOptions } from './adapter.js';
export { RedisMongoAdmin, type RedisMongoSeedUser } from './admin.js';
