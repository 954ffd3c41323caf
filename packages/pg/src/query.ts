import { patchMethod, undoAll } from '@intervai/metrics-core/internal'
import type { PoolRecorder, QueryResults } from './recorder.js'

/** The shape of `client.query` (string/config, values or callback, callback). */
export type QueryMethod = (this: unknown, config: unknown, values?: unknown, callback?: unknown) => unknown

type Callback = (this: unknown, ...args: unknown[]) => unknown

/**
 * A `client.query` that times every call shape and returns exactly what `original` returns:
 * a callback (argument or `config.callback`) is wrapped, a promise is observed, and a
 * Submittable (pg-cursor, pg-query-stream) is timed until its end, error or close. Once the
 * instrumentation is closed it passes calls straight through.
 */
export function wrapQuery(original: QueryMethod, recorder: PoolRecorder): QueryMethod {
  return function query(this: unknown, config, values, callback) {
    if (recorder.closed) return original.call(this, config, values, callback)
    const start = performance.now()
    if (config !== null && typeof config === 'object' && typeof (config as { submit?: unknown }).submit === 'function') {
      return submit(original, this, config, values, callback, recorder, start)
    }
    // The callback node-postgres would pick (lib/utils.js normalizeQueryConfig): the argument,
    // else `values` when it is a function, else `config.callback`.
    const userCallback =
      callback || (typeof values === 'function' ? values : config !== null && typeof config === 'object' ? (config as { callback?: unknown }).callback : undefined)
    let finished = false
    if (typeof userCallback === 'function') {
      const done = function (this: unknown, error: unknown, result: unknown): unknown {
        if (!finished) {
          finished = true
          recorder.query(start, config, error, result as QueryResults)
        }
        return (userCallback as Callback).apply(this, arguments as unknown as unknown[])
      }
      try {
        return original.call(this, config, values, done)
      } catch (error) {
        if (!finished) {
          finished = true
          recorder.query(start, config, error, undefined)
        }
        throw error
      }
    }
    let returned: unknown
    try {
      returned = original.call(this, config, values, callback)
    } catch (error) {
      recorder.query(start, config, error, undefined)
      throw error
    }
    if (returned !== null && typeof returned === 'object' && typeof (returned as Promise<unknown>).then === 'function') {
      ;(returned as Promise<unknown>).then(
        (result) => recorder.query(start, config, undefined, result as QueryResults),
        (error: unknown) => recorder.query(start, config, error ?? new Error('query failed'), undefined),
      )
    }
    return returned
  }
}

interface SubmittableHooks {
  handleError: Callback
  handleReadyForQuery: Callback
  _canceledDueToError?: unknown
  _result?: unknown
  _results?: unknown
}

/**
 * node-postgres reports a Submittable's end through the two methods every Submittable has:
 * `handleReadyForQuery` after its last message (end, or close of a cursor read in part) and
 * `handleError` (a server error or a lost connection). They are patched on this one object,
 * for this one query, and undone when it finishes.
 */
function submit(
  original: QueryMethod,
  client: unknown,
  submittable: object,
  values: unknown,
  callback: unknown,
  recorder: PoolRecorder,
  start: number,
): unknown {
  const sub = submittable as Partial<SubmittableHooks>
  if (typeof sub.handleError !== 'function' || typeof sub.handleReadyForQuery !== 'function') {
    return original.call(client, submittable, values, callback)
  }
  const hooks = sub as SubmittableHooks
  const undos: Array<() => void> = []
  let finished = false
  const finish = (error: unknown): void => {
    if (finished) return
    finished = true
    try {
      undoAll(undos)
    } catch (failure) {
      recorder.fail(failure)
    }
    recorder.query(start, submittable, error, error == null ? ((hooks._results ?? hooks._result) as QueryResults) : undefined)
  }
  try {
    undos.push(
      patchMethod(hooks, 'handleError', (onError) =>
        function (this: unknown, error: unknown): unknown {
          finish(error ?? new Error('query failed'))
          return onError.apply(this, arguments as unknown as unknown[])
        },
      ),
      patchMethod(hooks, 'handleReadyForQuery', (onReady) =>
        function (this: unknown): unknown {
          // pg's own Query turns a row parsing failure into handleError from here (lib/query.js).
          if (!hooks._canceledDueToError) finish(undefined)
          return onReady.apply(this, arguments as unknown as unknown[])
        },
      ),
    )
  } catch (failure) {
    // A Submittable we cannot hook (a frozen object) runs untimed.
    finished = true
    recorder.fail(failure)
    undoAll(undos)
    return original.call(client, submittable, values, callback)
  }
  try {
    return original.call(client, submittable, values, callback)
  } catch (error) {
    finish(error)
    throw error
  }
}
