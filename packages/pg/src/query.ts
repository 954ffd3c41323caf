import type { PoolRecorder } from './metrics.js'

/** The shape of `client.query` (string/config, values or callback, callback). */
export type QueryMethod = (this: unknown, config: unknown, values?: unknown, callback?: unknown) => unknown

type Callback = (this: unknown, ...args: unknown[]) => unknown

/** Marks our wrappers, across copies of this package, so a client is never wrapped twice. */
export const WRAPPED = Symbol.for('@intervai/metrics-pg.query')

/**
 * A `client.query` that times every call shape and returns exactly what `original` returns:
 * a callback (argument or `config.callback`) is wrapped, a promise is observed, and a
 * Submittable (pg-cursor, pg-query-stream) is timed until its end, error or close.
 */
export function wrapQuery(original: QueryMethod, recorder: PoolRecorder): QueryMethod {
  const wrapped: QueryMethod = function (this: unknown, config, values, callback) {
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
          recorder.query(start, config, error, result as never)
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
        (result) => recorder.query(start, config, undefined, result as never),
        (error: unknown) => recorder.query(start, config, error ?? new Error('query failed'), undefined),
      )
    }
    return returned
  }
  Object.defineProperty(wrapped, WRAPPED, { value: true })
  return wrapped
}

interface SubmittableHooks {
  handleError?: unknown
  handleReadyForQuery?: unknown
  _canceledDueToError?: unknown
  _result?: unknown
  _results?: unknown
}

/**
 * node-postgres reports a Submittable's end through the two methods every Submittable has:
 * `handleReadyForQuery` after its last message (end, or close of a cursor read in part) and
 * `handleError` (a server error or a lost connection). They are hooked on this one object,
 * for this one query, and put back when it finishes.
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
  const sub = submittable as SubmittableHooks
  const onError = sub.handleError
  const onReady = sub.handleReadyForQuery
  if (typeof onError !== 'function' || typeof onReady !== 'function') return original.call(client, submittable, values, callback)
  const ownError = Object.hasOwn(sub, 'handleError')
  const ownReady = Object.hasOwn(sub, 'handleReadyForQuery')
  let finished = false
  const restore = (): void => {
    if (sub.handleError === hookError) {
      if (ownError) sub.handleError = onError
      else delete sub.handleError
    }
    if (sub.handleReadyForQuery === hookReady) {
      if (ownReady) sub.handleReadyForQuery = onReady
      else delete sub.handleReadyForQuery
    }
  }
  const finish = (error: unknown): void => {
    if (finished) return
    finished = true
    restore()
    recorder.query(start, submittable, error, error == null ? ((sub._results ?? sub._result) as never) : undefined)
  }
  const hookError = function (this: unknown, error: unknown): unknown {
    finish(error ?? new Error('query failed'))
    return (onError as Callback).apply(this, arguments as unknown as unknown[])
  }
  const hookReady = function (this: unknown): unknown {
    // pg's own Query turns a row parsing failure into handleError from here (lib/query.js).
    if (!sub._canceledDueToError) finish(undefined)
    return (onReady as Callback).apply(this, arguments as unknown as unknown[])
  }
  sub.handleError = hookError
  sub.handleReadyForQuery = hookReady
  try {
    return original.call(client, submittable, values, callback)
  } catch (error) {
    finish(error)
    throw error
  }
}
