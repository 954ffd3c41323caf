import type { Metrics, MetricsOptions } from '@intervai/metrics-core'
import { check, checkOptions, optionError, resolvePackageOptions, type OptionCheck } from '@intervai/metrics-core/internal'

/** The package name used in option errors and warnings. */
export const PKG = '@intervai/metrics-quota'

/** The quota name bound shared by hooks and recorders. */
export interface BoundOptions {
  /**
   * How many distinct quota names get series of their own; later names are recorded as
   * `_other`. One bound per metric on a registry, shared by every hook and recorder; the first
   * setting wins (a different one later gets a warning).
   * @default 50
   */
  maxQuotas?: number
}

/** Options of `quotaMetrics`. */
export interface QuotaMetricsOptions extends MetricsOptions, BoundOptions {}

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

/** The default of `maxQuotas`. */
export const DEFAULT_MAX_QUOTAS = 50

/** `maxQuotas`, checked; `undefined` when left out (the bound in effect, or the default, applies). */
export const maxQuotas: OptionCheck<number | undefined> = (pkg, option, value) =>
  value === undefined ? undefined : check.integer(DEFAULT_MAX_QUOTAS, 1, 10_000)(pkg, option, value)

const METRICS_SPEC = { maxQuotas }

// A plain identifier PostgreSQL folds to itself (max 63 bytes), optionally schema-qualified.
const TABLE = /^([a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,62}$/

const STORE_SPEC = {
  table: ((pkg, option, value) => {
    const table = check.string('intervai_rate_limits', 127)(pkg, option, value)
    if (!TABLE.test(table)) throw optionError(pkg, option, 'a lower-case SQL identifier, optionally schema-qualified', table)
    return table
  }) satisfies OptionCheck<string>,
  createTable: check.boolean(true),
  namespace: check.string('default', 200),
  cleanupIntervalMs: check.number(60_000, 0, 2 ** 31 - 1),
}

/** Store options, checked, with defaults. */
export interface ResolvedStoreOptions {
  table: string
  createTable: boolean
  namespace: string
  cleanupIntervalMs: number
}

/** Checks `quotaMetrics` options; a bad or unknown one throws a TypeError naming it. */
export function resolveQuotaMetricsOptions(value: unknown): { metrics: Metrics; maxQuotas: number | undefined } {
  return resolvePackageOptions(PKG, value, METRICS_SPEC)
}

/** Checks the store options; a bad or unknown one throws a TypeError naming it. */
export function resolveStoreOptions(value: unknown): ResolvedStoreOptions {
  return checkOptions(PKG, value, STORE_SPEC)
}
