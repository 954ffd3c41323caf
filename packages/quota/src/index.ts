// The `@fastify/rate-limit` hooks are `@intervai/metrics-quota/fastify` (fastify-entry.ts): the store and the
// recorder type-check in an app without `@fastify/rate-limit` installed.
export { quotaMetrics } from './metrics.js'
export type { QuotaOutcome, QuotaRecorder } from './metrics.js'
export { PostgresRateLimitStore, RateLimitStoreError } from './store.js'
export type { PostgresRateLimitStoreClass, Queryable, RateLimitCallback, RateLimitState } from './store.js'
export { rateLimitTableSql } from './sql.js'
export type { PostgresRateLimitStoreOptions, QuotaMetricsOptions } from './options.js'
