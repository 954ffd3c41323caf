import { checkLabelNames, checkNumber, checkObject, checkPrefix, optionError } from '@intervai/metrics-core'
import { checkDuration, checkSelector } from './promql.js'

const PKG = '@intervai/metrics-alerts'

/** The three alert severities, in the `severity` label of every alert. */
export type Severity = 'critical' | 'warning' | 'info'

/**
 * Alert thresholds. An alert fires when the measured value is strictly above its threshold
 * for the `for` duration of its severity. Within one alert, critical > warning > info.
 */
export interface AlertThresholds {
  /**
   * API error rate: requests answered 5xx / all requests, as a ratio (0..1) over `windows.rate`.
   * @default { critical: 0.05, warning: 0.01 }
   */
  apiErrorRatio: { critical: number; warning: number }
  /**
   * API p95 request latency, in seconds, over `windows.rate`.
   * @default { warning: 2, info: 1 }
   */
  apiLatencyP95Seconds: { warning: number; info: number }
  /**
   * WebSocket failed handshakes / attempts (opened + failed), as a ratio (0..1) over `windows.rate`.
   * @default { critical: 0.1, warning: 0.01 }
   */
  wsFailureRatio: { critical: number; warning: number }
  /**
   * PostgreSQL pool clients in use / pool maximum, as a ratio (0..1), per pool.
   * @default { critical: 0.9 }
   */
  dbPoolUsageRatio: { critical: number }
  /**
   * PostgreSQL average query latency, in seconds, over `windows.rate`, per pool.
   * @default { warning: 0.5, info: 0.2 }
   */
  dbQueryLatencySeconds: { warning: number; info: number }
  /**
   * Host CPU utilization, as a ratio (0..1).
   * @default { critical: 0.9, warning: 0.7 }
   */
  cpuUtilizationRatio: { critical: number; warning: number }
  /**
   * Host memory utilization, as a ratio (0..1).
   * @default { critical: 0.9, warning: 0.8 }
   */
  memoryUtilizationRatio: { critical: number; warning: number }
  /**
   * Filesystem utilization per mount point, as a ratio (0..1).
   * @default { critical: 0.95, warning: 0.8 }
   */
  diskUtilizationRatio: { critical: number; warning: number }
  /**
   * Quota limit hits (rejected requests) per quota within `windows.quota`, a count.
   * @default { info: 100 }
   */
  quotaLimitHits: { info: number }
  /**
   * Average duration of streaming operations, in seconds, over `windows.rate`, per stream.
   * @default { info: 30 }
   */
  streamDurationSeconds: { info: number }
}

/** Which of the thresholds is which kind of value: decides formatting and bounds. */
export type ThresholdKind = 'ratio' | 'seconds' | 'count'

/** Range windows of the rules and dashboard, as Prometheus durations (`30s`, `5m`, `1h`). */
export interface AlertWindows {
  /**
   * Window of every `rate()`: error ratios, latencies, failure ratios, averages.
   * @default '5m'
   */
  rate: string
  /**
   * Window over which quota limit hits are counted (`increase()`).
   * @default '1h'
   */
  quota: string
}

/** How long a condition must hold before the alert fires, per severity (Prometheus durations). */
export interface AlertForDurations {
  /** @default '5m' */
  critical: string
  /** @default '10m' */
  warning: string
  /** @default '15m' */
  info: string
}

/** Options shared by `prometheusRules()`, `grafanaDashboard()` and `promtoolTests()`. */
export interface AlertOptions {
  /**
   * The metric name prefix the app's `createMetrics({ prefix })` uses.
   * @default ''
   */
  prefix?: string
  /**
   * Extra label matchers added to every selector, e.g. `job="api"` or `job="api", env!="dev"`.
   * @default '' (none)
   */
  selector?: string
  /**
   * Labels the API, WebSocket, database, quota and streaming alerts keep when they aggregate
   * across instances (their own labels such as `pool` or `server` are kept as well).
   * @default ['job']
   */
  groupBy?: string[]
  /** Thresholds; any subset, the rest keep their defaults. */
  thresholds?: { [K in keyof AlertThresholds]?: Partial<AlertThresholds[K]> }
  /** Range windows; any subset. */
  windows?: Partial<AlertWindows>
  /** `for` durations per severity; any subset. */
  for?: Partial<AlertForDurations>
}

/** Every option with its value filled in. */
export interface ResolvedAlertOptions {
  /** The metric name prefix ('' for none). */
  prefix: string
  /** Label matchers without braces ('' for none). */
  selector: string
  /** Labels the aggregated alerts keep. */
  groupBy: string[]
  /** Every threshold. */
  thresholds: AlertThresholds
  /** Every window. */
  windows: AlertWindows
  /** Every `for` duration. */
  for: AlertForDurations
}

/** The default thresholds, from DESIGN.md's alert table. */
export const defaultThresholds: Readonly<AlertThresholds> = Object.freeze({
  apiErrorRatio: { critical: 0.05, warning: 0.01 },
  apiLatencyP95Seconds: { warning: 2, info: 1 },
  wsFailureRatio: { critical: 0.1, warning: 0.01 },
  dbPoolUsageRatio: { critical: 0.9 },
  dbQueryLatencySeconds: { warning: 0.5, info: 0.2 },
  cpuUtilizationRatio: { critical: 0.9, warning: 0.7 },
  memoryUtilizationRatio: { critical: 0.9, warning: 0.8 },
  diskUtilizationRatio: { critical: 0.95, warning: 0.8 },
  quotaLimitHits: { info: 100 },
  streamDurationSeconds: { info: 30 },
})

/** The kind of value each threshold measures. */
export const thresholdKinds: Readonly<Record<keyof AlertThresholds, ThresholdKind>> = Object.freeze({
  apiErrorRatio: 'ratio',
  apiLatencyP95Seconds: 'seconds',
  wsFailureRatio: 'ratio',
  dbPoolUsageRatio: 'ratio',
  dbQueryLatencySeconds: 'seconds',
  cpuUtilizationRatio: 'ratio',
  memoryUtilizationRatio: 'ratio',
  diskUtilizationRatio: 'ratio',
  quotaLimitHits: 'count',
  streamDurationSeconds: 'seconds',
})

const DEFAULT_WINDOWS: AlertWindows = { rate: '5m', quota: '1h' }
const DEFAULT_FOR: AlertForDurations = { critical: '5m', warning: '10m', info: '15m' }
const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info']

/** Checks the options and fills in defaults; a bad option throws a TypeError naming it and its value. */
export function resolveAlertOptions(options: AlertOptions = {}): ResolvedAlertOptions {
  const opts = checkObject<AlertOptions>(PKG, 'options', options)
  const groupBy = opts.groupBy === undefined ? ['job'] : checkLabelNames(PKG, 'groupBy', opts.groupBy)
  return {
    prefix: checkPrefix(PKG, 'prefix', opts.prefix),
    selector: checkSelector(PKG, 'selector', opts.selector),
    groupBy,
    thresholds: resolveThresholds(opts.thresholds),
    windows: resolveDurations(opts.windows, DEFAULT_WINDOWS, 'windows'),
    for: resolveDurations(opts.for, DEFAULT_FOR, 'for'),
  }
}

function resolveThresholds(value: unknown): AlertThresholds {
  const given = checkObject<Record<string, unknown>>(PKG, 'thresholds', value)
  const out: Record<string, Record<string, number>> = {}
  for (const key of Object.keys(given)) {
    if (!(key in defaultThresholds)) {
      throw optionError(PKG, `thresholds.${key}`, `one of ${Object.keys(defaultThresholds).join(', ')}`, key)
    }
  }
  for (const [key, defaults] of Object.entries(defaultThresholds) as [keyof AlertThresholds, Record<string, number>][]) {
    const option = `thresholds.${key}`
    const levels = checkObject<Record<string, unknown>>(PKG, option, given[key])
    for (const level of Object.keys(levels)) {
      if (!(level in defaults)) throw optionError(PKG, `${option}.${level}`, `one of ${Object.keys(defaults).join(', ')}`, level)
    }
    const max = thresholdKinds[key] === 'ratio' ? 1 : Number.MAX_SAFE_INTEGER
    const resolved: Record<string, number> = {}
    for (const level of Object.keys(defaults)) {
      resolved[level] = checkNumber(PKG, `${option}.${level}`, levels[level], defaults[level] as number, 0, max)
    }
    const ordered = SEVERITIES.filter((s) => s in resolved)
    for (let i = 1; i < ordered.length; i++) {
      const higher = ordered[i - 1] as Severity
      const lower = ordered[i] as Severity
      if ((resolved[lower] as number) >= (resolved[higher] as number)) {
        throw optionError(PKG, `${option}.${lower}`, `below ${option}.${higher} (${resolved[higher]})`, resolved[lower])
      }
    }
    out[key] = resolved
  }
  return out as unknown as AlertThresholds
}

function resolveDurations<T extends object>(value: unknown, defaults: T, option: string): T {
  const given = checkObject<Record<string, unknown>>(PKG, option, value)
  for (const key of Object.keys(given)) {
    if (!(key in defaults)) throw optionError(PKG, `${option}.${key}`, `one of ${Object.keys(defaults).join(', ')}`, key)
  }
  const out: Record<string, string> = {}
  for (const [key, fallback] of Object.entries(defaults) as [string, string][]) {
    out[key] = given[key] === undefined ? fallback : checkDuration(PKG, `${option}.${key}`, given[key])
  }
  return out as T
}
