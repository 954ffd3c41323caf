import { pgLabels } from '@intervai/metrics-catalog'
import type { HistogramSeries } from '@intervai/metrics-core'
import { COMPONENT, type PoolSeries } from './metrics.js'
import type { ResolvedPgOptions, SlowQuery } from './options.js'
import { endsTransaction, operationOfCommand, operationOfText, redactSql, sqlstateClass, textOf } from './sql.js'

const [OK, ERROR] = pgLabels.queryOutcomes

/** A query result as node-postgres hands it over: one result, or one per statement. */
export type QueryResults = { command?: unknown } | ReadonlyArray<{ command?: unknown }> | undefined

/** Records everything about one pool. Every function is guarded (`metrics.safely`): it never throws. */
export interface PoolRecorder {
  /**
   * Records one finished query. `start` is a `performance.now()` reading; `source` is what the
   * SQL text is read from (the query string, config object or Submittable), only when needed.
   */
  readonly query: (start: number, source: unknown, error: unknown, results: QueryResults) => void
  /** Records a checkout: the wait on success (0 for a `start` of -1: served at once), a pool error on failure. */
  readonly acquired: (start: number, error: unknown) => void
  /** Counts an error the pool emitted (an idle connection that failed). */
  readonly poolError: () => void
  /** Counts a failure of the instrumentation itself in `instrumentation_errors_total`. */
  readonly fail: (error: unknown) => void
  /** Set when the instrumentation is closed: wrappers someone kept a reference to pass calls through. */
  closed: boolean
}

// Matches no command tag, and no missing one (null, undefined).
const NONE = Symbol('none')

/**
 * The recorder of one pool: series cached per command tag, so a finished query costs a Map
 * lookup and a histogram observation. Its guarded functions are made here, once per pool.
 */
export function createRecorder(series: PoolSeries, options: ResolvedPgOptions): PoolRecorder {
  const { metrics, pool, slowQueryMs, onSlowQuery } = options
  const ok = new Map<string, HistogramSeries>()
  const failed = new Map<string, HistogramSeries>()
  let lastCommand: unknown = NONE
  let lastSeries: HistogramSeries | undefined
  const fail = (error: unknown): void => metrics.recordError(COMPONENT, error)

  const reportSlow =
    onSlowQuery &&
    metrics.safely(COMPONENT, (info: SlowQuery) => {
      const returned = onSlowQuery(info) as unknown
      if (returned !== null && typeof returned === 'object' && typeof (returned as Promise<void>).then === 'function') {
        ;(returned as Promise<void>).then(undefined, fail)
      }
    })

  const slow = (operation: string, durationMs: number, source: unknown): void => {
    series.slowQueries.labels(pool, operation).inc()
    if (reportSlow === undefined) return
    const text = textOf(source)
    reportSlow({ pool, operation, durationMs, text: text === undefined ? '' : redactSql(text) })
  }

  const transaction = (command: unknown, source: unknown): void => {
    if (command === 'COMMIT') {
      if (endsTransaction(textOf(source))) series.commits.inc()
    } else if (command === 'ROLLBACK') {
      // Also a COMMIT of a failed transaction: Postgres answers it with the ROLLBACK tag.
      if (endsTransaction(textOf(source))) series.rollbacks.inc()
    }
  }

  const record = (ms: number, source: unknown, error: unknown, results: QueryResults): void => {
    let operation: string
    if (error === null || error === undefined) {
      const multiple = Array.isArray(results)
      const command = ((multiple ? results[0] : results) as { command?: unknown } | undefined)?.command
      if (typeof command === 'string') {
        // Keyed by the raw tag (the server's, a fixed set): one lookup per query on the hot path.
        let hit = ok.get(command)
        if (hit === undefined) ok.set(command, (hit = series.queryDuration.labels(pool, operationOfCommand(command), OK)))
        lastCommand = command
        lastSeries = hit
        hit.observe(ms / 1000)
        operation = hit.labelValues[1] as string
      } else {
        // A cursor closed before its end has no command tag: fall back to its text.
        operation = operationOfText(textOf(source))
        series.queryDuration.labels(pool, operation, OK).observe(ms / 1000)
      }
      if (multiple) for (const result of results as ReadonlyArray<{ command?: unknown }>) transaction(result.command, source)
      else transaction(operation, source)
    } else {
      operation = operationOfText(textOf(source))
      let hit = failed.get(operation)
      if (hit === undefined) failed.set(operation, (hit = series.queryDuration.labels(pool, operation, ERROR)))
      hit.observe(ms / 1000)
      const cls = sqlstateClass(error)
      series.queryErrors.labels(pool, operation, cls).inc()
      // A COMMIT the server refused (a deferred constraint, a serialization failure) rolled back.
      if (operation === 'COMMIT' && cls !== pgLabels.noSqlstate && endsTransaction(textOf(source))) series.rollbacks.inc()
    }
    if (ms >= slowQueryMs) slow(operation, ms, source)
  }

  return {
    query: metrics.safely(COMPONENT, (start: number, source: unknown, error: unknown, results: QueryResults): void => {
      const ms = performance.now() - start
      // The common case first: success, one result, the same command tag as the last query.
      if (error == null && results != null && !Array.isArray(results)) {
        const command = (results as { command?: unknown }).command
        if (command === lastCommand && ms < slowQueryMs && command !== 'COMMIT' && command !== 'ROLLBACK') {
          ;(lastSeries as HistogramSeries).observe(ms / 1000)
          return
        }
      }
      record(ms, source, error, results)
    }),
    acquired: metrics.safely(COMPONENT, (start: number, error: unknown): void => {
      if (error !== null && error !== undefined) series.poolErrors.inc()
      else series.acquire.observe(start < 0 ? 0 : (performance.now() - start) / 1000)
    }),
    poolError: metrics.safely(COMPONENT, (): void => series.poolErrors.inc()),
    fail,
    closed: false,
  }
}
