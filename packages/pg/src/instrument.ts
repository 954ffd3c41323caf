import { errorMonitor } from 'node:events'
import type { Pool } from 'pg'
import { describeValue } from '@intervai/metrics-catalog'
import { instrumentOnce, patchMethod, undoAll } from '@intervai/metrics-core/internal'
import { wrapConnect, type ConnectMethod } from './connect.js'
import { COMPONENT, createPoolSeries, samplePool, type SampledPool } from './metrics.js'
import { identityOf, PKG, resolveOptions, type PgMetricsOptions, type ResolvedPgOptions } from './options.js'
import { wrapQuery, type QueryMethod } from './query.js'
import { createRecorder, type PoolRecorder } from './recorder.js'

/** What `instrumentPool` returns. */
export interface InstrumentedPool {
  /** The `pool` label this pool is recorded under (the first instrumentation's, when it was instrumented twice). */
  readonly pool: string
  /**
   * Gives this handle's share back. When every handle of the pool is closed, the instrumentation
   * is undone: the pool's `connect` and every client's `query` are restored, the listeners
   * removed and the pool's gauge series dropped. Idempotent.
   */
  close(): void
}

type Listener = (...args: never[]) => void

/** The parts of a pg-pool `Pool` (and its clients) this package touches. */
interface PoolInternals extends SampledPool {
  connect: ConnectMethod
  on(event: string | symbol, listener: Listener): unknown
  prependListener(event: string | symbol, listener: Listener): unknown
  off(event: string | symbol, listener: Listener): unknown
}
interface ClientInternals {
  query: QueryMethod
}

/** One pool's instrumentation, shared by every handle asked for that pool. */
class PoolInstrumentation {
  readonly name: string
  private readonly recorder: PoolRecorder
  private readonly clients = new Map<ClientInternals, () => void>()
  private readonly undos: Array<() => void> = []

  constructor(pool: PoolInternals, options: ResolvedPgOptions) {
    const { metrics } = options
    this.name = options.pool
    const recorder = (this.recorder = createRecorder(createPoolSeries(options), options))
    const wrapClient = metrics.safely(COMPONENT, (client: ClientInternals): void => {
      if (this.clients.has(client) || typeof client.query !== 'function') return
      this.clients.set(client, patchMethod(client, 'query', (original) => wrapQuery(original, recorder)))
    })
    // Clients that were open before instrumenting are wrapped at their next checkout ('acquire'
    // comes before the caller gets the client); once all were seen, the listener goes.
    let unseen = pool.totalCount
    const onAcquire = (client: ClientInternals): void => {
      if (this.clients.has(client)) return
      wrapClient(client)
      if (--unseen <= 0) pool.off('acquire', onAcquire)
    }
    // 'remove' comes after the client ended: nothing of ours stays on it.
    const onRemove = (client: ClientInternals): void => {
      const undo = this.clients.get(client)
      if (undo === undefined) {
        if (--unseen <= 0) pool.off('acquire', onAcquire)
        return
      }
      this.clients.delete(client)
      undo()
    }

    this.undos.push(patchMethod(pool, 'connect', (original) => wrapConnect(original, pool, recorder)))
    // A new physical client is wrapped on 'connect', before any listener of the app can query it.
    this.listen(pool, 'connect', wrapClient, true)
    if (unseen > 0) this.listen(pool, 'acquire', onAcquire)
    this.listen(pool, 'remove', onRemove)
    // errorMonitor observes without handling: an app with no 'error' listener still fails as pg makes it.
    this.listen(pool, errorMonitor, recorder.poolError)
    this.undos.push(samplePool(metrics, this.name, pool))
  }

  /** Undoes every patch and listener and drops the pool's gauge series. */
  close(): void {
    this.recorder.closed = true
    const undos = [...this.undos.splice(0), ...this.clients.values()]
    this.clients.clear()
    undoAll(undos)
  }

  private listen(pool: PoolInternals, event: string | symbol, listener: Listener, first = false): void {
    if (first) pool.prependListener(event, listener)
    else pool.on(event, listener)
    this.undos.push(() => pool.off(event, listener))
  }
}

/**
 * Instruments one `pg.Pool`: query latency per command, errors per SQLSTATE class, slow queries,
 * transactions, acquire wait, pool errors, and pool gauges sampled at scrape time. Only this
 * instance is changed (its `connect`, its clients' `query`), never pg's prototypes.
 * Instrumenting a pool again shares the first instrumentation: nothing is counted twice, and
 * different options get a warning (`INTERVAI_METRICS_INSTRUMENTED_TWICE`) while the first stay in
 * effect. It is undone when every handle is closed.
 * @throws TypeError for a bad or unknown option, naming it and its value
 */
export function instrumentPool(pool: Pool, options?: PgMetricsOptions): InstrumentedPool {
  const target = pool as unknown as PoolInternals
  if (typeof target !== 'object' || target === null || typeof target.connect !== 'function' || typeof target.on !== 'function') {
    throw new TypeError(`${PKG}: instrumentPool expects a pg.Pool (got ${describeValue(pool)})`)
  }
  const resolved = resolveOptions(options)
  const claim = instrumentOnce(PKG, target, identityOf(resolved), () => new PoolInstrumentation(target, resolved))
  return { pool: claim.instrumentation.name, close: () => claim.release() }
}
