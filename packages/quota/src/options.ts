import { checkFunction, checkNumber, checkObject, checkString, optionError, resolveMetrics, type Metrics } from '@intervai/metrics-core'
import type { RateLimitOptions } from '@fastify/rate-limit'

/** The package name used in option errors. */
export const PKG = '@intervai/metrics-quota'

/** A rate-limit hook as `@fastify/rate-limit` calls it: the request and the rate-limit key. */
export type RateLimitHook = NonNullable<RateLimitOptions['onExceeding']>

/** Options of `quotaHooks`. */
export interface QuotaHooksOptions {
  /** The app's metrics object (`createMetrics()`). @default a shared `createMetrics()` on prom-client's global registry */
  metrics?: Metrics
  /** The quota name, the `quota` label of every series these hooks record, e.g. `'api'`. @default 'default' */
  quota?: string
  /** Your own `onExceeding` hook, called after ours on every allowed request. @default none */
  onExceeding?: RateLimitHook
  /** Your own `onExceeded` hook, called after ours on every rejected request. @default none */
  onExceeded?: RateLimitHook
}

/** Options of `quotaMetrics`. */
export interface QuotaMetricsOptions {
  /** The app's metrics object (`createMetrics()`). @default a shared `createMetrics()` on prom-client's global registry */
  metrics?: Metrics
  /**
   * How many distinct quota names get series of their own; later names are recorded as
   * `_other`. Shared by everything recording on the same `metrics`; the first setting wins.
   * @default 50
   */
  maxQuotas?: number
}

/** Options of `PostgresRateLimitStore.for(pool, options)`. */
export interface PostgresRateLimitStoreOptions {
  /** The table holding the counters, optionally schema-qualified (`'ops.rate_limits'`). @default 'intervai_rate_limits' */
  table?: string
  /**
   * Create the table on first use (`CREATE TABLE IF NOT EXISTS`). Set to `false` when it is
   * created by your migrations from `rateLimitTableSql()`.
   * @default true
   */
  createTable?: boolean
  /**
   * Separates the counters of apps that share one table but must not share limits. Instances
   * of one app that share a limit use the same namespace.
   * @default 'default'
   */
  namespace?: string
  /**
   * How often (in milliseconds) expired windows are deleted, piggybacked on traffic: the
   * first check after this interval starts one `DELETE`. `0` never deletes.
   * @default 60000
   */
  cleanupIntervalMs?: number
}

/** Quota hook options, checked and with defaults. */
export interface ResolvedHooksOptions {
  metrics: Metrics
  quota: string
  onExceeding: RateLimitHook | undefined
  onExceeded: RateLimitHook | undefined
}

/** Store options, checked and with defaults. */
export interface ResolvedStoreOptions {
  table: string
  createTable: boolean
  namespace: string
  cleanupIntervalMs: number
}

const TABLE = /^([a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,62}$/

/** Checks `quotaHooks` options; a bad one throws a TypeError naming it. */
export function resolveHooksOptions(value: unknown): ResolvedHooksOptions {
  const opts = checkObject<QuotaHooksOptions>(PKG, 'options', value)
  return {
    metrics: resolveMetrics(PKG, opts.metrics),
    quota: checkString(PKG, 'quota', opts.quota, 'default'),
    onExceeding: checkFunction<RateLimitHook>(PKG, 'onExceeding', opts.onExceeding),
    onExceeded: checkFunction<RateLimitHook>(PKG, 'onExceeded', opts.onExceeded),
  }
}

/** Checks `quotaMetrics` options; a bad one throws a TypeError naming it. */
export function resolveQuotaMetricsOptions(value: unknown): { metrics: Metrics; maxQuotas: number } {
  const opts = checkObject<QuotaMetricsOptions>(PKG, 'options', value)
  const maxQuotas = checkNumber(PKG, 'maxQuotas', opts.maxQuotas, 50, 1, 10_000)
  if (!Number.isInteger(maxQuotas)) throw optionError(PKG, 'maxQuotas', 'a whole number from 1 to 10000', maxQuotas)
  return { metrics: resolveMetrics(PKG, opts.metrics), maxQuotas }
}

/** Checks the store options; a bad one throws a TypeError naming it. */
export function resolveStoreOptions(value: unknown): ResolvedStoreOptions {
  const opts = checkObject<PostgresRateLimitStoreOptions>(PKG, 'options', value)
  const table = checkString(PKG, 'table', opts.table, 'intervai_rate_limits')
  if (!TABLE.test(table)) throw optionError(PKG, 'table', 'a lower-case SQL identifier, optionally schema-qualified', table)
  const createTable = opts.createTable ?? true
  if (typeof createTable !== 'boolean') throw optionError(PKG, 'createTable', 'a boolean', createTable)
  const cleanupIntervalMs = checkNumber(PKG, 'cleanupIntervalMs', opts.cleanupIntervalMs, 60_000, 0, 2 ** 31 - 1)
  return {
    table,
    createTable,
    namespace: checkString(PKG, 'namespace', opts.namespace, 'default'),
    cleanupIntervalMs,
  }
}
