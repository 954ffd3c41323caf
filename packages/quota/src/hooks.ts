import type { Metrics } from '@intervai/metrics-core'
import { COMPONENT, quotaCounters, type QuotaSeries } from './metrics.js'
import { resolveHooksOptions, type QuotaHooksOptions, type RateLimitHook } from './hooks-options.js'

/** Marks our hooks so a store built from the same rate-limit options can find where to count its failures. */
export const QUOTA_HOOKS = Symbol.for('@intervai/metrics-quota.hooks')

/** What a store sees of the hooks of its route: where to count a failed check. */
export interface StoreFailureSink {
  /**
   * Counts a check the store could not make. When rate-limit lets the request through
   * (`skipOnError: true`) it calls `onExceeding` next with the same key: that call must not
   * count as `allowed` as well.
   */
  storeFailed(key: string, passedThrough: boolean): void
}

/** The hook options `quotaHooks` returns, to spread into `@fastify/rate-limit`'s options. */
export interface QuotaHooks {
  /** Counts an allowed request (`quota_checks_total{outcome="allowed"}`). */
  onExceeding: RateLimitHook
  /** Counts a rejected request (`quota_checks_total{outcome="exceeded"}` and `quota_limit_hits_total`). */
  onExceeded: RateLimitHook
}

// A store failure that passed through stays pending until rate-limit's onExceeding call for it;
// far more pending keys than that means the calls never came, and the map is dropped.
const MAX_PENDING = 10_000

class HookRecorder implements StoreFailureSink {
  private readonly pending = new Map<string, number>()
  /** Guarded (never throws): counts an allowed request, unless it is a store failure let through. */
  readonly allowed: (key: string) => void
  /** Guarded (never throws): counts a rejected request and its limit hit. */
  readonly exceeded: () => void
  /** Guarded (never throws): see `StoreFailureSink`. */
  readonly storeFailed: (key: string, passedThrough: boolean) => void

  constructor(metrics: Metrics, series: QuotaSeries) {
    this.allowed = metrics.safely(COMPONENT, (key: string) => {
      const waiting = this.pending.get(key)
      if (waiting === undefined) {
        series.allowed.inc()
        return
      }
      if (waiting <= 1) this.pending.delete(key)
      else this.pending.set(key, waiting - 1)
    })
    this.exceeded = metrics.safely(COMPONENT, () => {
      series.exceeded.inc()
      series.hits.inc()
    })
    this.storeFailed = metrics.safely(COMPONENT, (key: string, passedThrough: boolean) => {
      series.error.inc()
      if (!passedThrough) return
      if (this.pending.size >= MAX_PENDING) this.pending.clear()
      this.pending.set(key, (this.pending.get(key) ?? 0) + 1)
    })
  }
}

/**
 * The `onExceeding`/`onExceeded` options of `@fastify/rate-limit` that count every check of
 * one quota. Spread them into the plugin's options (global) or a route's
 * `config.rateLimit` (per route); a route without its own hooks counts under the global quota.
 * Recording never changes the response, and the rate-limit key never becomes a label.
 */
export function quotaHooks(options: QuotaHooksOptions = {}): QuotaHooks {
  const { metrics, quota, maxQuotas, onExceeding: userExceeding, onExceeded: userExceeded } = resolveHooksOptions(options)
  const recorder = new HookRecorder(metrics, quotaCounters(metrics, maxQuotas).series(quota))
  // rate-limit calls these synchronously inside its request hook: a throw would turn a 429
  // into a 500 (@fastify/rate-limit index.js, rateLimitRequestHandler), so ours never throws.
  const onExceeding: RateLimitHook = function (this: unknown, request, key) {
    recorder.allowed(key)
    if (userExceeding) userExceeding.call(this, request, key)
  }
  const onExceeded: RateLimitHook = function (this: unknown, request, key) {
    recorder.exceeded()
    if (userExceeded) userExceeded.call(this, request, key)
  }
  Object.defineProperty(onExceeding, QUOTA_HOOKS, { value: recorder })
  return { onExceeding, onExceeded }
}

/** The failure sink of the hooks in a rate-limit options object, if they are ours. */
export function failureSinkOf(params: unknown): StoreFailureSink | undefined {
  const hook = (params as { onExceeding?: unknown } | null | undefined)?.onExceeding
  if (typeof hook !== 'function') return undefined
  return (hook as unknown as Record<symbol, StoreFailureSink | undefined>)[QUOTA_HOOKS]
}
