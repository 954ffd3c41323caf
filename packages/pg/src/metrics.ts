import { metricCatalog, pgLabels } from '@intervai/metrics-catalog'
import type { Counter, CounterSeries, Histogram, HistogramSeries, Metrics } from '@intervai/metrics-core'
import { sampleGauge, undoAll } from '@intervai/metrics-core/internal'
import type { ResolvedPgOptions } from './options.js'

/** The `component` of `instrumentation_errors_total` for this package. */
export const COMPONENT = 'pg'

const [IDLE, USED] = pgLabels.connectionStates
const [COMMIT, ROLLBACK] = pgLabels.transactionOutcomes

/** The public counters of a pg-pool `Pool` the gauges read at scrape time. */
export interface SampledPool {
  readonly totalCount: number
  readonly idleCount: number
  readonly waitingCount: number
  readonly ending?: boolean
  readonly options?: { max?: number }
}

/** The metrics one pool records into, with its fixed series created (and zeroed) up front. */
export interface PoolSeries {
  readonly metrics: Metrics
  readonly pool: string
  readonly queryDuration: Histogram<'pool' | 'operation' | 'outcome'>
  readonly slowQueries: Counter<'pool' | 'operation'>
  readonly queryErrors: Counter<'pool' | 'operation' | 'sqlstate_class'>
  readonly acquire: HistogramSeries
  readonly poolErrors: CounterSeries
  readonly commits: CounterSeries
  readonly rollbacks: CounterSeries
}

/** Gets or creates the metrics of `metricCatalog.pg` and this pool's series. */
export function createPoolSeries(options: ResolvedPgOptions): PoolSeries {
  const { metrics, pool, buckets } = options
  const pg = metricCatalog.pg
  const transactions = metrics.counter(pg.transactions)
  return {
    metrics,
    pool,
    queryDuration: metrics.histogram({ ...pg.queryDuration, buckets }),
    slowQueries: metrics.counter(pg.slowQueries),
    queryErrors: metrics.counter(pg.queryErrors),
    acquire: metrics.histogram({ ...pg.poolAcquireDuration, buckets }).labels(pool),
    poolErrors: metrics.counter(pg.poolErrors).labels(pool),
    commits: transactions.labels(pool, COMMIT),
    rollbacks: transactions.labels(pool, ROLLBACK),
  }
}

/**
 * Samples the pool gauges of `pool` under its `pool` label at every scrape (summed with other
 * pools of the same label); returns the undo, which drops the series once no pool of the label
 * is left. pg-pool has no 'end' event: an ending pool reads as nothing, so its series leave the
 * scrape at once.
 */
export function samplePool(metrics: Metrics, name: string, pool: SampledPool): () => void {
  const pg = metricCatalog.pg
  const connections = metrics.gauge(pg.poolConnections)
  const onError = (error: unknown): void => metrics.recordError(COMPONENT, error)
  const open = <T>(read: () => T) => (): T | undefined => (pool.ending === true ? undefined : read())
  const undos = [
    sampleGauge(connections, [name, IDLE], open(() => pool.idleCount), onError),
    sampleGauge(connections, [name, USED], open(() => pool.totalCount - pool.idleCount), onError),
    // pg-pool's own default when `max` is not set (pg-pool/index.js).
    sampleGauge(metrics.gauge(pg.poolMaxConnections), [name], open(() => pool.options?.max ?? 10), onError),
    sampleGauge(metrics.gauge(pg.poolWaitingRequests), [name], open(() => pool.waitingCount), onError),
  ]
  return () => undoAll(undos)
}
