export type { SharedCoordinator, SharedReserveOutcome, SharedReserveRequest, SharedSettlement, SharedView } from './coordinator';
export { connectRedisCoordinator, RedisCoordinator, type RedisCoordinatorOptions, type RedisFallback } from './redis-coordinator';
