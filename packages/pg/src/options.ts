import { checkBuckets, checkFunction, checkNumber, checkString, optionError, resolveMetrics, type Metrics } from '@intervai/metrics-core'

const PKG = '@intervai/metrics-pg'

/** Bucket upper bounds (seconds) of the query and acquire histograms; they hold every alert threshold. */
export const PG_BUCKETS: readonly number[] = Object.freeze([0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10])

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
export interface PgMetricsOptions {
  /** The metrics object from `createMetrics()`. @default a `createMetrics()` on prom-client's global registry */
  metrics?: Metrics
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
  /** Bucket upper bounds, in seconds, of the query and acquire duration histograms. @default PG_BUCKETS */
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

/** Checks the options (a bad one throws a TypeError naming it and its value) and applies defaults. */
export function resolveOptions(options: PgMetricsOptions = {}): ResolvedPgOptions {
  if (typeof options !== 'object' || options === null) throw optionError(PKG, 'options', 'an object', options)
  const pool = checkString(PKG, 'pool', options.pool, 'default')
  if (pool.length > 100) throw optionError(PKG, 'pool', 'at most 100 characters', pool)
  return {
    metrics: resolveMetrics(PKG, options.metrics),
    pool,
    slowQueryMs: checkNumber(PKG, 'slowQueryMs', options.slowQueryMs, 1000),
    onSlowQuery: checkFunction<(query: SlowQuery) => void>(PKG, 'onSlowQuery', options.onSlowQuery),
    buckets: checkBuckets(PKG, 'buckets', options.buckets, PG_BUCKETS),
  }
}
