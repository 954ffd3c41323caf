import type { SampledPool } from './metrics.js'
import type { PoolRecorder } from './recorder.js'

/** The shape of `pool.connect` (a callback, or none for a promise). */
export type ConnectMethod = (this: unknown, callback?: unknown) => unknown

/**
 * A `pool.connect` that times the wait for a client (`pg_pool_acquire_duration_seconds`) and
 * counts a failed checkout as a pool error; it returns exactly what `original` returns.
 * `pool.query` checks out through `this.connect`, so this also times its wait.
 */
export function wrapConnect(original: ConnectMethod, pool: SampledPool, recorder: PoolRecorder): ConnectMethod {
  return function connect(this: unknown, callback?: unknown): unknown {
    if (recorder.closed) return original.call(this, callback)
    // An idle client that no earlier request waits for serves this checkout on the next tick
    // (pg-pool/index.js connect): there is no wait to time, so it is recorded as 0 s.
    if (pool.idleCount > pool.waitingCount && pool.ending !== true) {
      recorder.acquired(-1, undefined)
      return original.call(this, callback)
    }
    const start = performance.now()
    if (typeof callback === 'function') {
      return original.call(this, function (this: unknown, error: unknown): unknown {
        recorder.acquired(start, error)
        return (callback as (...args: unknown[]) => unknown).apply(this, arguments as unknown as unknown[])
      })
    }
    const returned = original.call(this, callback)
    if (returned !== null && typeof returned === 'object' && typeof (returned as Promise<unknown>).then === 'function') {
      ;(returned as Promise<unknown>).then(
        () => recorder.acquired(start, undefined),
        (error: unknown) => recorder.acquired(start, error ?? new Error('connect failed')),
      )
    }
    return returned
  }
}
