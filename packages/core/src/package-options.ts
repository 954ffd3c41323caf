import { resolveMetrics, type Metrics } from './metrics.js'
import { check, checkOptions, type CheckedOptions, type OptionCheck } from './options.js'

/** The options every package takes besides its own. */
export interface MetricsOptions {
  /** The app's metrics object (`createMetrics()`). @default the metrics of prom-client's global registry with `prefix` */
  metrics?: Metrics
  /**
   * Metric name prefix, for when `metrics` is left out. With `metrics`, it must equal
   * `metrics.prefix` (or be left out).
   * @default the prefix of `metrics`, or ''
   */
  prefix?: string
}

/**
 * A package's options, checked: its own (`spec`) plus `metrics` and `prefix`, under one rule for
 * every package (an unknown key is an error naming it; `prefix` as `resolveMetrics` says).
 * @param allowed keys accepted and ignored (Fastify's own register options)
 */
export function resolvePackageOptions<S extends Record<string, OptionCheck<unknown>>>(
  pkg: string,
  value: unknown,
  spec: S,
  allowed: readonly string[] = [],
): Omit<CheckedOptions<S>, 'metrics' | 'prefix'> & { metrics: Metrics } {
  const { metrics, prefix, ...own } = checkOptions(pkg, value, { metrics: check.any(), prefix: check.any(), ...spec }, allowed)
  return { ...(own as Omit<CheckedOptions<S>, 'metrics' | 'prefix'>), metrics: resolveMetrics(pkg, metrics, prefix) }
}

/** Options Fastify passes to every plugin it registers (`app.register(plugin, { logLevel })`). */
export const FASTIFY_REGISTER_OPTIONS: readonly string[] = ['logLevel', 'logSerializers']
