import type { Gauge } from '@intervai/metrics-core'
import type { PgMetrics } from './metrics.js'

/** The public counters of a pg-pool `Pool` that the gauges read at scrape time. */
export interface SampledPool {
  readonly totalCount: number
  readonly idleCount: number
  readonly waitingCount: number
  readonly ending?: boolean
  readonly options?: { max?: number }
}

/** Every instrumented pool of one registry, by `pool` label; each gauge samples them at scrape. */
class PoolGroup {
  readonly byName = new Map<string, Set<SampledPool>>()
  private readonly undo: Array<() => void>

  constructor(private readonly m: PgMetrics) {
    this.undo = [
      m.poolConnections.onCollect(this.sampler(m.poolConnections, (gauge, name, pools) => {
        let idle = 0
        let used = 0
        for (const pool of pools) {
          idle += pool.idleCount
          used += pool.totalCount - pool.idleCount
        }
        gauge.labels(name, 'idle').set(idle)
        gauge.labels(name, 'used').set(used)
      })),
      m.poolMaxConnections.onCollect(this.sampler(m.poolMaxConnections, (gauge, name, pools) => {
        let max = 0
        // pg-pool's own default when `max` is not set (pg-pool/index.js).
        for (const pool of pools) max += pool.options?.max ?? 10
        gauge.labels(name).set(max)
      })),
      m.poolWaitingRequests.onCollect(this.sampler(m.poolWaitingRequests, (gauge, name, pools) => {
        let waiting = 0
        for (const pool of pools) waiting += pool.waitingCount
        gauge.labels(name).set(waiting)
      })),
    ]
  }

  add(name: string, pool: SampledPool): void {
    let pools = this.byName.get(name)
    if (pools === undefined) this.byName.set(name, (pools = new Set()))
    pools.add(pool)
  }

  /** Forgets a pool; returns whether the group is now empty. */
  delete(name: string, pool: SampledPool): boolean {
    const pools = this.byName.get(name)
    if (pools !== undefined) {
      pools.delete(pool)
      if (pools.size === 0) {
        this.byName.delete(name)
        this.removeSeries(name)
      }
    }
    if (this.byName.size > 0) return false
    for (const undo of this.undo) undo()
    return true
  }

  private removeSeries(name: string): void {
    this.m.poolConnections.removeMatching({ pool: name })
    this.m.poolMaxConnections.removeMatching({ pool: name })
    this.m.poolWaitingRequests.removeMatching({ pool: name })
  }

  /**
   * A collector for one gauge: sets a series set per pool name from the pools still open, and
   * removes the series of a name whose pools have all ended (pg-pool has no 'end' event, so
   * an ended pool is noticed at the next scrape).
   */
  private sampler<L extends string>(
    gauge: Gauge<L>,
    set: (gauge: Gauge<L>, name: string, pools: SampledPool[]) => void,
  ): (gauge: Gauge<L>) => void {
    const written = new Set<string>()
    return () => {
      for (const name of written) {
        if (!this.byName.has(name)) {
          gauge.removeMatching({ pool: name } as never)
          written.delete(name)
        }
      }
      for (const [name, pools] of this.byName) {
        const open = [...pools].filter((pool) => pool.ending !== true)
        if (open.length === 0) {
          gauge.removeMatching({ pool: name } as never)
          written.delete(name)
        } else {
          set(gauge, name, open)
          written.add(name)
        }
      }
    }
  }
}

// Keyed by the gauge, so two metrics objects on one registry share one group.
const groups = new WeakMap<object, PoolGroup>()

/** Samples `pool` into the pool gauges under the label `name`, at every scrape; returns the undo. */
export function samplePool(m: PgMetrics, name: string, pool: SampledPool): () => void {
  let group = groups.get(m.poolConnections)
  if (group === undefined) groups.set(m.poolConnections, (group = new PoolGroup(m)))
  group.add(name, pool)
  const owner = group
  return () => {
    if (owner.delete(name, pool) && groups.get(m.poolConnections) === owner) groups.delete(m.poolConnections)
  }
}
