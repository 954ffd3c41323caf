import {
  alertCatalog,
  defaultForDurations,
  defaultWindows,
  optionError,
  severities,
  type AlertKey,
  type Severity,
  type ThresholdKind,
} from '@intervai/metrics-catalog'
import { checkDuration, checkHttpUrl, checkKeys, checkLabelNames, checkNumber, checkObject, checkPrefix, checkSelector, PKG } from './checks.js'
import { defaultRunbookBase } from './runbooks.js'

export type { Severity, ThresholdKind }

/**
 * Alert thresholds. An alert fires when the measured value is strictly above its threshold
 * for the `for` duration of its severity. Within one alert, critical > warning > info.
 * The defaults are `alertCatalog` of `@intervai/metrics-catalog` (DESIGN.md's table).
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
   * Average duration of streaming operations, in seconds, over `windows.rate`, per stream.
   * @default { info: 30 }
   */
  streamDurationSeconds: { info: number }
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
   * Quota limit hits (rejected requests) per quota within `windows.quota`, a count.
   * @default { info: 100 }
   */
  quotaLimitHits: { info: number }
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
   * Node.js event loop delay p99, in seconds, per process: prom-client's
   * `nodejs_eventloop_lag_p99_seconds`, over the time since the previous scrape.
   * @default { warning: 0.5, info: 0.1 }
   */
  eventLoopDelayP99Seconds: { warning: number; info: number }
  /**
   * Node.js event loop utilization (busy / elapsed), as a ratio (0..1), per process, over the
   * time since the previous scrape.
   * @default { warning: 0.9 }
   */
  eventLoopUtilizationRatio: { warning: number }
  /**
   * V8 heap used / heap size limit, as a ratio (0..1), per process.
   * @default { warning: 0.9 }
   */
  heapUsageRatio: { warning: number }
}

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

// The documented interfaces above have exactly the catalog's shape: an alert, a severity or a
// window added to the catalog fails the build here until it is documented.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type CatalogThresholds = { [K in AlertKey]: { [S in keyof (typeof alertCatalog)[K]['thresholds']]: number } }
type Assert<T extends true> = T
type ShapesMatchCatalog = Assert<
  [Same<AlertThresholds, CatalogThresholds>, Same<AlertWindows, Record<keyof typeof defaultWindows, string>>, Same<AlertForDurations, Record<Severity, string>>] extends [true, true, true] ? true : false
>

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
  /**
   * Thresholds; any subset, the rest keep their defaults.
   * @default the catalog's (see `AlertThresholds`)
   */
  thresholds?: { [K in keyof AlertThresholds]?: Partial<AlertThresholds[K]> }
  /**
   * Range windows; any subset.
   * @default { rate: '5m', quota: '1h' }
   */
  windows?: Partial<AlertWindows>
  /**
   * `for` durations per severity; any subset.
   * @default { critical: '5m', warning: '10m', info: '15m' }
   */
  for?: Partial<AlertForDurations>
  /**
   * Where the runbooks live: every alerting rule gets the annotation
   * `runbook_url: <runbookBase>#<alertname in lower case>`, and the dashboard links each alerted
   * panel to it. Point it at a copy of RUNBOOKS.md you adapted (an http(s) URL, no `#`).
   * @default defaultRunbookBase, `https://github.com/intervai/intervai-metrics/blob/main/packages/alerts/RUNBOOKS.md`
   */
  runbookBase?: string
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
  /** The base of every runbook link. */
  runbookBase: string
}

/** The options every generator takes (the rest of a generator's options are its own). */
export const ALERT_OPTIONS = ['prefix', 'selector', 'groupBy', 'thresholds', 'windows', 'for', 'runbookBase'] as const

/** The default thresholds: the catalog's, as a frozen copy. */
export const defaultThresholds: Readonly<AlertThresholds> = Object.freeze(
  Object.fromEntries(Object.entries(alertCatalog).map(([key, spec]) => [key, Object.freeze({ ...spec.thresholds })])),
) as unknown as AlertThresholds

/**
 * Checks the options and fills in defaults; a bad or unknown option throws a TypeError naming
 * it and its value.
 * @param allowed further option names the caller checks itself (the dashboard's `title`, ...)
 */
export function resolveAlertOptions(options: AlertOptions = {}, allowed: readonly string[] = []): ResolvedAlertOptions {
  const opts = checkObject<AlertOptions>('options', options)
  checkKeys(opts, [...ALERT_OPTIONS, ...allowed])
  return {
    prefix: checkPrefix(opts.prefix),
    selector: checkSelector(opts.selector),
    groupBy: opts.groupBy === undefined ? ['job'] : checkLabelNames('groupBy', opts.groupBy),
    thresholds: resolveThresholds(opts.thresholds),
    windows: resolveDurations(opts.windows, defaultWindows, 'windows'),
    for: resolveDurations(opts.for, defaultForDurations, 'for'),
    runbookBase: checkHttpUrl('runbookBase', opts.runbookBase, defaultRunbookBase),
  }
}

function resolveThresholds(value: unknown): AlertThresholds {
  const given = checkObject<Record<string, unknown>>('thresholds', value)
  checkKeys(given, Object.keys(alertCatalog), 'thresholds.')
  const out: Record<string, Record<string, number>> = {}
  for (const [key, spec] of Object.entries(alertCatalog)) {
    const option = `thresholds.${key}`
    const defaults: Partial<Record<Severity, number>> = spec.thresholds
    const levels = checkObject<Record<string, unknown>>(option, given[key])
    checkKeys(levels, Object.keys(defaults), `${option}.`)
    const max = spec.kind === 'ratio' ? 1 : Number.MAX_SAFE_INTEGER
    const resolved: Partial<Record<Severity, number>> = {}
    for (const level of severities) {
      const fallback = defaults[level]
      if (fallback !== undefined) resolved[level] = checkNumber(`${option}.${level}`, levels[level], fallback, 0, max)
    }
    const ordered = severities.filter((s) => resolved[s] !== undefined)
    for (let i = 1; i < ordered.length; i++) {
      const higher = ordered[i - 1] as Severity
      const lower = ordered[i] as Severity
      if ((resolved[lower] as number) >= (resolved[higher] as number)) {
        throw optionError(PKG, `${option}.${lower}`, `below ${option}.${higher} (${resolved[higher]})`, resolved[lower])
      }
    }
    out[key] = resolved as Record<string, number>
  }
  return out as unknown as AlertThresholds
}

function resolveDurations<T extends object>(value: unknown, defaults: Readonly<T>, option: string): T {
  const given = checkObject<Record<string, unknown>>(option, value)
  checkKeys(given, Object.keys(defaults), `${option}.`)
  const out: Record<string, string> = {}
  for (const [key, fallback] of Object.entries(defaults) as [string, string][]) {
    out[key] = given[key] === undefined ? fallback : checkDuration(`${option}.${key}`, given[key])
  }
  return out as T
}
