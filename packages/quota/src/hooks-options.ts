// The options of `quotaHooks`, apart from options.ts: they hold `@fastify/rate-limit`'s types,
// which only `@intervai/metrics-quota/fastify` may reach.
import type { RateLimitOptions } from '@fastify/rate-limit'
import type { Metrics, MetricsOptions } from '@intervai/metrics-core'
import { check, resolvePackageOptions } from '@intervai/metrics-core/internal'
import { maxQuotas, PKG, type BoundOptions } from './options.js'

/** A rate-limit hook as `@fastify/rate-limit` calls it: the request and the rate-limit key. */
export type RateLimitHook = NonNullable<RateLimitOptions['onExceeding']>

/** Options of `quotaHooks`. */
export interface QuotaHooksOptions extends MetricsOptions, BoundOptions {
  /** The quota name, the `quota` label of every series these hooks record, e.g. `'api'`. @default 'default' */
  quota?: string
  /** Your own `onExceeding` hook, called after ours on every allowed request. @default none */
  onExceeding?: RateLimitHook
  /** Your own `onExceeded` hook, called after ours on every rejected request. @default none */
  onExceeded?: RateLimitHook
}

const HOOKS_SPEC = {
  quota: check.string('default', 100),
  maxQuotas,
  onExceeding: check.function<RateLimitHook>(),
  onExceeded: check.function<RateLimitHook>(),
}

/** `quotaHooks` options, checked, with defaults. */
export interface ResolvedHooksOptions {
  metrics: Metrics
  quota: string
  maxQuotas: number | undefined
  onExceeding: RateLimitHook | undefined
  onExceeded: RateLimitHook | undefined
}

/** Checks `quotaHooks` options; a bad or unknown one throws a TypeError naming it. */
export function resolveHooksOptions(value: unknown): ResolvedHooksOptions {
  return resolvePackageOptions(PKG, value, HOOKS_SPEC)
}
