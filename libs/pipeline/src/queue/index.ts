/**
 * The queue executor (`@transfusion/pipeline/queue`): BullMQ on Redis. A subpath of its own so that stage modules,
 * which import `@transfusion/pipeline`, neither load BullMQ nor carry its version and code in their cache keys.
 */
export { checkRedis, parseRedisUrl, redactUrl, RedisSetupError } from './redis-connection.js';
export type { RedisInfo } from './redis-connection.js';
export { DEFAULT_PREFIX, RESOURCE_CLASSES } from './protocol.js';
export type { ResourceClass } from './protocol.js';
export { queueExecutor, queueExecutorOptionsSchema } from './queue-executor.js';
export type { QueueExecutorOptions, QueueStageEvent } from './queue-executor.js';
export { startWorker, workerOptionsSchema } from './worker.js';
export type { QueueWorker, WorkerEvent, WorkerOptions } from './worker.js';
