import { buckets } from '@intervai/metrics-catalog'
import type { Metrics, MetricsOptions } from '@intervai/metrics-core'
import { check, resolvePackageOptions } from '@intervai/metrics-core/internal'

/** The package name used in option errors and warnings. */
export const PKG = '@intervai/metrics-pg'

/** What `onSlowQuery` receives. Never parameter values; `text` has its literals replaced by `?`. */
export interface SlowQuery {
  /** The `pool` label of the instrumented pool. */
  pool: string
  /** The `operation` label of the query (SELECT, INSERT, ..., OTHER). */
  operation: string
  /** How long the query took, in milliseconds. */
  durationMs: number
  /** The SQL with every literal replaced by `?` and comments removed ('' when the query had no text). */
  text: string
}

/** Options of `instrumentPool`. */
export interface PgMetricsOptions extends MetricsOptions {
  /** The `pool` label: names this pool in every series, so several pools can share one registry. @default 'default' */
  pool?: string
  /** A query taking at least this many milliseconds counts as slow. @default 1000 */
  slowQueryMs?: number
  /**
   * Called for every slow query, after it is counted. A throw (or a rejected promise) is caught
   * and counted in `instrumentation_errors_total{component="pg"}`, never passed to the app.
   * @default undefined (no callback)
   */
  onSlowQuery?: (query: SlowQuery) => void | Promise<void>
  /**
   * Bucket upper bounds, in seconds, of `pg_query_duration_seconds` and `pg_pool_acquire_duration_seconds`.
   * @default [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10] (`buckets.pg` of the catalog)
   */
  buckets?: readonly number[]
}

/** Options after checking, with defaults applied. */
export interface ResolvedPgOptions {
  metrics: Metrics
  pool: string
  slowQueryMs: number
  onSlowQuery: ((query: SlowQuery) => void | Promise<void>) | undefined
  buckets: readonly number[]
}

const SPEC = {
  pool: check.string('default', 100),
  slowQueryMs: check.number(1000),
  onSlowQuery: check.function<(query: SlowQuery) => void | Promise<void>>(),
  buckets: check.buckets(buckets.pg),
}

/** Checks the options (a bad or unknown one throws a TypeError naming it and its value) and applies defaults. */
export function resolveOptions(options: unknown): ResolvedPgOptions {
  return resolvePackageOptions(PKG, options, SPEC)
}

/** What two instrumentations of one pool must agree on, compared item by item by `instrumentOnce`. */
export function identityOf(options: ResolvedPgOptions): unknown[] {
  const { metrics, pool, slowQueryMs, onSlowQuery, buckets } = options
  return [metrics, pool, slowQueryMs, onSlowQuery, String(buckets)]
}
