import { errorMonitor } from 'node:events'
import type { Pool } from 'pg'
import { samplePool, type SampledPool } from './gauges.js'
import { definePgMetrics, PoolRecorder } from './metrics.js'
import { resolveOptions, type PgMetricsOptions } from './options.js'
import { WRAPPED, wrapQuery, type QueryMethod } from './query.js'

/** What `instrumentPool` returns. */
export interface InstrumentedPool {
  /** The `pool` label this pool is recorded under. */
  readonly pool: string
  /**
   * Undoes the instrumentation: the pool's `connect` and every client's `query` are restored,
   * the listeners removed and the pool's gauge series dropped. Safe to call more than once.
   */
  close(): void
}

/** The parts of a pg-pool `Pool` (and its clients) this package touches. */
interface PoolInternals extends SampledPool {
  connect: (this: unknown, callback?: unknown) => unknown
  on(event: string | symbol, listener: (...args: never[]) => void): unknown
  prependListener(event: string | symbol, listener: (...args: never[]) => void): unknown
  off(event: string | symbol, listener: (...args: never[]) => void): unknown
}
interface ClientInternals {
  query: QueryMethod
}

const INSTRUMENTED = Symbol.for('@intervai/metrics-pg.instrumented')

/**
 * Instruments one `pg.Pool`: query latency per command, errors per SQLSTATE class, slow queries,
 * transactions, acquire wait, pool errors, and pool gauges sampled at scrape time. Only this
 * instance is changed (its `connect`, its clients' `query`), never pg's prototypes. Instrumenting
 * a pool that already is returns the existing handle.
 */
export function instrumentPool(pool: Pool, options: PgMetricsOptions = {}): InstrumentedPool {
  const target = pool as unknown as PoolInternals & { [INSTRUMENTED]?: InstrumentedPool }
  if (typeof target !== 'object' || target === null || typeof target.connect !== 'function' || typeof target.on !== 'function') {
    throw new TypeError(`@intervai/metrics-pg: instrumentPool expects a pg.Pool (got ${target === null ? 'null' : typeof target})`)
  }
  const resolved = resolveOptions(options)
  const existing = target[INSTRUMENTED]
  if (existing !== undefined) return existing

  const m = definePgMetrics(resolved.metrics, resolved.buckets)
  const recorder = new PoolRecorder(m, resolved)
  const clients = new Map<ClientInternals, () => void>()

  const wrapClient = (client: ClientInternals): void => {
    if (clients.has(client)) return
    const original = client.query
    if (typeof original !== 'function' || (original as { [WRAPPED]?: boolean })[WRAPPED] === true) return
    const own = Object.hasOwn(client, 'query')
    const wrapped = wrapQuery(original, recorder)
    client.query = wrapped
    clients.set(client, () => {
      if (client.query !== wrapped) return
      if (own) client.query = original
      else delete (client as Partial<ClientInternals>).query
    })
  }
  // A new physical client is wrapped on 'connect', before any listener of the app can query it.
  const onConnect = (client: ClientInternals): void => {
    resolved.metrics.safely('pg', () => wrapClient(client))
  }
  // Clients that were open before instrumenting are wrapped at their next checkout ('acquire'
  // comes before the caller gets the client); once all were seen, the listener goes.
  let unseen = target.totalCount
  const onAcquire = (client: ClientInternals): void => {
    if (clients.has(client)) return
    resolved.metrics.safely('pg', () => wrapClient(client))
    if (--unseen <= 0) target.off('acquire', onAcquire)
  }
  const onRemove = (client: ClientInternals): void => {
    if (!clients.delete(client) && --unseen <= 0) target.off('acquire', onAcquire)
  }
  // errorMonitor observes without handling: an app with no 'error' listener still fails as pg makes it.
  const onPoolError = (): void => recorder.poolError()

  const originalConnect = target.connect
  const ownConnect = Object.hasOwn(target, 'connect')
  // pool.query checks out through `this.connect`, so this also times its acquire wait.
  const connect = function (this: unknown, callback?: unknown): unknown {
    // An idle client that no earlier request waits for serves this checkout on the next tick
    // (pg-pool/index.js connect): there is no wait to time, so it is recorded as 0 s.
    if (target.idleCount > target.waitingCount && target.ending !== true) {
      recorder.acquired(-1, undefined)
      return originalConnect.call(this, callback)
    }
    const start = performance.now()
    if (typeof callback === 'function') {
      return originalConnect.call(this, function (this: unknown, error: unknown): unknown {
        recorder.acquired(start, error)
        return (callback as (...args: unknown[]) => unknown).apply(this, arguments as unknown as unknown[])
      })
    }
    const returned = originalConnect.call(this, callback)
    if (returned !== null && typeof returned === 'object' && typeof (returned as Promise<unknown>).then === 'function') {
      ;(returned as Promise<unknown>).then(
        () => recorder.acquired(start, undefined),
        (error: unknown) => recorder.acquired(start, error ?? new Error('connect failed')),
      )
    }
    return returned
  }

  target.connect = connect
  target.prependListener('connect', onConnect)
  if (unseen > 0) target.on('acquire', onAcquire)
  target.on('remove', onRemove)
  target.on(errorMonitor, onPoolError)
  const unsample = samplePool(m, resolved.pool, target)

  let closed = false
  const handle: InstrumentedPool = {
    pool: resolved.pool,
    close: () => {
      if (closed) return
      closed = true
      target.off('connect', onConnect)
      target.off('acquire', onAcquire)
      target.off('remove', onRemove)
      target.off(errorMonitor, onPoolError)
      if (target.connect === connect) {
        if (ownConnect) target.connect = originalConnect
        else delete (target as Partial<PoolInternals>).connect
      }
      for (const restore of clients.values()) restore()
      clients.clear()
      unsample()
      if (target[INSTRUMENTED] === handle) delete target[INSTRUMENTED]
    },
  }
  Object.defineProperty(target, INSTRUMENTED, { value: handle, configurable: true, enumerable: false, writable: true })
  return handle
}
