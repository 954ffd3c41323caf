// `@intervai/metrics-quota/fastify`: the hooks for `@fastify/rate-limit`. Its own entry, so that
// only an app that imports it loads `@fastify/rate-limit`'s (and Fastify's) types.
import type { FastifyRateLimitStore } from '@fastify/rate-limit'
import type { PostgresRateLimitStore } from './store.js'

export { quotaHooks } from './hooks.js'
export type { QuotaHooks } from './hooks.js'
export type { QuotaHooksOptions, RateLimitHook } from './hooks-options.js'

// The store is declared without `@fastify/rate-limit`'s types (the root entry must not load
// them): this stops compiling if it ever stops being a store the plugin accepts.
type StoreFits<Store extends FastifyRateLimitStore> = Store
type PostgresStoreFits = StoreFits<PostgresRateLimitStore>
