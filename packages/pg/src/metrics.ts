import type { Counter, CounterSeries, Gauge, Histogram, HistogramSeries, Metrics } from '@intervai/metrics-core'
import { pgMetricNames } from './names.js'
import type { ResolvedPgOptions, SlowQuery } from './options.js'
import { endsTransaction, operationOfCommand, operationOfText, redactSql, sqlstateClass } from './sql.js'

/** The metrics of this package, get-or-created on one registry. */
export interface PgMetrics {
  queryDuration: Histogram<'pool' | 'operation' | 'outcome'>
  slowQueries: Counter<'pool' | 'operation'>
  queryErrors: Counter<'pool' | 'operation' | 'sqlstate_class'>
  poolConnections: Gauge<'pool' | 'state'>
  poolMaxConnections: Gauge<'pool'>
  poolWaitingRequests: Gauge<'pool'>
  poolAcquireDuration: Histogram<'pool'>
  poolErrors: Counter<'pool'>
  transactions: Counter<'pool' | 'outcome'>
}

/** Gets or creates the pg metrics (as in the catalog of DESIGN.md) on the registry of `metrics`. */
export function definePgMetrics(metrics: Metrics, buckets: readonly number[]): PgMetrics {
  return {
    queryDuration: metrics.histogram({
      name: pgMetricNames.queryDuration,
      help: 'Duration of PostgreSQL queries, by command',
      labelNames: ['pool', 'operation', 'outcome'],
      buckets,
    }),
    slowQueries: metrics.counter({
      name: pgMetricNames.slowQueries,
      help: 'PostgreSQL queries that took at least the slow query threshold',
      labelNames: ['pool', 'operation'],
    }),
    queryErrors: metrics.counter({
      name: pgMetricNames.queryErrors,
      help: 'Failed PostgreSQL queries, by SQLSTATE class',
      labelNames: ['pool', 'operation', 'sqlstate_class'],
    }),
    poolConnections: metrics.gauge({
      name: pgMetricNames.poolConnections,
      help: 'Connections of the pool, by state (used or idle)',
      labelNames: ['pool', 'state'],
    }),
    poolMaxConnections: metrics.gauge({
      name: pgMetricNames.poolMaxConnections,
      help: 'Maximum number of connections of the pool',
      labelNames: ['pool'],
    }),
    poolWaitingRequests: metrics.gauge({
      name: pgMetricNames.poolWaitingRequests,
      help: 'Requests waiting for a connection of the pool',
      labelNames: ['pool'],
    }),
    poolAcquireDuration: metrics.histogram({
      name: pgMetricNames.poolAcquireDuration,
      help: 'Time spent waiting to check out a connection from the pool',
      labelNames: ['pool'],
      buckets,
    }),
    poolErrors: metrics.counter({
      name: pgMetricNames.poolErrors,
      help: 'Pool errors: idle connections that failed, and connections that could not be checked out',
      labelNames: ['pool'],
    }),
    transactions: metrics.counter({
      name: pgMetricNames.transactions,
      help: 'Transactions ended, by outcome (commit or rollback)',
      labelNames: ['pool', 'outcome'],
    }),
  }
}

/** A query result as node-postgres hands it over: one result, or one per statement. */
type QueryResults = { command?: unknown } | ReadonlyArray<{ command?: unknown }> | undefined

/**
 * Records everything about one pool: series cached per label combination, so a finished query
 * costs a Map lookup and a histogram observation.
 */
export class PoolRecorder {
  readonly pool: string
  private readonly m: PgMetrics
  private readonly metrics: Metrics
  private readonly slowQueryMs: number
  private readonly onSlowQuery: ((query: SlowQuery) => void | Promise<void>) | undefined
  private readonly ok = new Map<string, HistogramSeries>()
  private readonly failed = new Map<string, HistogramSeries>()
  // Only ever a command tag string; the symbol matches no tag, and no missing one (null, undefined).
  private lastCommand: string | symbol = Symbol('none')
  private lastSeries: HistogramSeries | undefined
  private readonly acquire: HistogramSeries
  private readonly poolErrors: CounterSeries
  private readonly commits: CounterSeries
  private readonly rollbacks: CounterSeries

  constructor(m: PgMetrics, options: ResolvedPgOptions) {
    this.m = m
    this.pool = options.pool
    this.metrics = options.metrics
    this.slowQueryMs = options.slowQueryMs
    this.onSlowQuery = options.onSlowQuery
    // Created up front so they show 0 (not "no data") before the first event.
    this.acquire = m.poolAcquireDuration.labels(this.pool)
    this.poolErrors = m.poolErrors.labels(this.pool)
    this.commits = m.transactions.labels(this.pool, 'commit')
    this.rollbacks = m.transactions.labels(this.pool, 'rollback')
  }

  /**
   * Records one finished query. `start` is a `performance.now()` reading; `source` is what the
   * SQL text is read from (the query string, config object or Submittable), only when needed.
   */
  query(start: number, source: unknown, error: unknown, results: QueryResults): void {
    const ms = performance.now() - start
    try {
      // The common case first: success, one result, the same command tag as the last query.
      if (error == null && results != null && !Array.isArray(results)) {
        const command = (results as { command?: unknown }).command
        if (command === this.lastCommand && ms < this.slowQueryMs && command !== 'COMMIT' && command !== 'ROLLBACK') {
          ;(this.lastSeries as HistogramSeries).observe(ms / 1000)
          return
        }
      }
    } catch (failure) {
      this.metrics.recordError('pg', failure)
      return
    }
    this.record(ms, source, error, results)
  }

  private record(ms: number, source: unknown, error: unknown, results: QueryResults): void {
    try {
      let operation: string
      if (error === null || error === undefined) {
        const multiple = Array.isArray(results)
        const command = ((multiple ? results[0] : results) as { command?: unknown } | undefined)?.command
        if (typeof command === 'string') {
          // Keyed by the raw tag: one lookup per query on the hot path.
          let series = this.ok.get(command)
          if (series === undefined) {
            series = this.m.queryDuration.labels(this.pool, operationOfCommand(command), 'ok')
            this.ok.set(command, series)
          }
          this.lastCommand = command
          this.lastSeries = series
          series.observe(ms / 1000)
          operation = series.labelValues[1] as string
        } else {
          // A cursor closed before its end has no command tag: fall back to its text.
          operation = operationOfText(textOf(source))
          this.m.queryDuration.labels(this.pool, operation, 'ok').observe(ms / 1000)
        }
        if (multiple) for (const result of results as ReadonlyArray<{ command?: unknown }>) this.transaction(result.command, source)
        else this.transaction(operation, source)
      } else {
        operation = operationOfText(textOf(source))
        let series = this.failed.get(operation)
        if (series === undefined) {
          series = this.m.queryDuration.labels(this.pool, operation, 'error')
          this.failed.set(operation, series)
        }
        series.observe(ms / 1000)
        const cls = sqlstateClass(error)
        this.m.queryErrors.labels(this.pool, operation, cls).inc()
        // A COMMIT the server refused (a deferred constraint, a serialization failure) rolled back.
        if (operation === 'COMMIT' && cls !== 'none' && endsTransaction(textOf(source))) this.rollbacks.inc()
      }
      if (ms >= this.slowQueryMs) this.slow(operation, ms, source)
    } catch (failure) {
      this.metrics.recordError('pg', failure)
    }
  }

  /** Records a checkout: the wait on success (0 for a `start` of -1: served at once), a pool error on failure. */
  acquired(start: number, error: unknown): void {
    try {
      if (error !== null && error !== undefined) this.poolErrors.inc()
      else this.acquire.observe(start < 0 ? 0 : (performance.now() - start) / 1000)
    } catch (failure) {
      this.metrics.recordError('pg', failure)
    }
  }

  /** Counts an error the pool emitted (an idle connection that failed). */
  poolError(): void {
    this.poolErrors.inc()
  }

  private transaction(command: unknown, source: unknown): void {
    if (command === 'COMMIT') {
      if (endsTransaction(textOf(source))) this.commits.inc()
    } else if (command === 'ROLLBACK') {
      // Also a COMMIT of a failed transaction: Postgres answers it with the ROLLBACK tag.
      if (endsTransaction(textOf(source))) this.rollbacks.inc()
    }
  }

  private slow(operation: string, durationMs: number, source: unknown): void {
    this.m.slowQueries.labels(this.pool, operation).inc()
    const callback = this.onSlowQuery
    if (callback === undefined) return
    const text = textOf(source)
    const info: SlowQuery = { pool: this.pool, operation, durationMs, text: text === undefined ? '' : redactSql(text) }
    try {
      const returned = callback(info) as unknown
      if (returned !== null && typeof returned === 'object' && typeof (returned as Promise<void>).then === 'function') {
        ;(returned as Promise<void>).then(undefined, (failure: unknown) => this.metrics.recordError('pg', failure))
      }
    } catch (failure) {
      this.metrics.recordError('pg', failure)
    }
  }
}

/** The SQL text of a query string, a query config (`{ text }`) or a Submittable (pg-cursor, pg-query-stream). */
export function textOf(source: unknown): string | undefined {
  if (typeof source === 'string') return source
  if (source === null || typeof source !== 'object') return undefined
  const text = (source as { text?: unknown }).text
  if (typeof text === 'string') return text
  // pg-query-stream keeps the text on its pg-cursor.
  const inner = (source as { cursor?: { text?: unknown } }).cursor?.text
  return typeof inner === 'string' ? inner : undefined
}
