import { deepFreeze } from './freeze.js'
import { metricCatalog, type MetricSpec } from './metrics.js'

/** The three alert severities: critical pages at once, warning notifies, info is tracked. */
export type Severity = 'critical' | 'warning' | 'info'

/** Every severity, highest first. */
export const severities: readonly Severity[] = deepFreeze(['critical', 'warning', 'info'])

/** What a threshold measures: decides how it is formatted and bounded. */
export type ThresholdKind = 'ratio' | 'seconds' | 'count'

/** The rule groups alerts are split into (runtime is ours, not the monitoring guide's). */
export type AlertArea = 'api' | 'websocket' | 'database' | 'quota' | 'system' | 'runtime'

/** One alert of the catalog: its name, what it measures, and its default thresholds. */
export interface AlertSpec {
  /** The `alertname`, shared by its severities. */
  readonly alert: string
  readonly area: AlertArea
  readonly kind: ThresholdKind
  /** The alert fires when the measured value is strictly above the threshold of a severity. */
  readonly thresholds: Readonly<Partial<Record<Severity, number>>>
  /** What is measured, in words (docs, runbooks, the status page). */
  readonly measures: string
  /**
   * The histogram whose quantile or average is compared: every threshold is one of its bucket
   * bounds, so a threshold is never an interpolation.
   */
  readonly histogram?: MetricSpec
}

/**
 * Every alert, keyed by its thresholds option (`thresholds.apiErrorRatio` in the alerts
 * package). Defaults from DESIGN.md's table.
 */
export const alertCatalog = deepFreeze({
  apiErrorRatio: {
    alert: 'ApiHighErrorRate',
    area: 'api',
    kind: 'ratio',
    thresholds: { critical: 0.05, warning: 0.01 },
    measures: 'requests answered with a 5xx status / all requests',
  },
  apiLatencyP95Seconds: {
    alert: 'ApiHighLatencyP95',
    area: 'api',
    kind: 'seconds',
    thresholds: { warning: 2, info: 1 },
    measures: '95th percentile of request durations',
    histogram: metricCatalog.http.requestDuration,
  },
  wsFailureRatio: {
    alert: 'WebSocketHighFailureRatio',
    area: 'websocket',
    kind: 'ratio',
    thresholds: { critical: 0.1, warning: 0.01 },
    measures: 'failed WebSocket handshakes / attempts (opened + failed)',
  },
  streamDurationSeconds: {
    alert: 'StreamingSlowAverageDuration',
    area: 'websocket',
    kind: 'seconds',
    thresholds: { info: 30 },
    measures: 'average duration of streaming operations',
    histogram: metricCatalog.ws.streamDuration,
  },
  dbPoolUsageRatio: {
    alert: 'DatabasePoolNearlyExhausted',
    area: 'database',
    kind: 'ratio',
    thresholds: { critical: 0.9 },
    measures: 'pool connections in use / pool maximum',
  },
  dbQueryLatencySeconds: {
    alert: 'DatabaseHighQueryLatency',
    area: 'database',
    kind: 'seconds',
    thresholds: { warning: 0.5, info: 0.2 },
    measures: 'average query duration',
    histogram: metricCatalog.pg.queryDuration,
  },
  quotaLimitHits: {
    alert: 'QuotaLimitFrequentlyHit',
    area: 'quota',
    kind: 'count',
    thresholds: { info: 100 },
    measures: 'requests rejected by a quota within the quota window',
  },
  cpuUtilizationRatio: {
    alert: 'HostHighCpuUtilization',
    area: 'system',
    kind: 'ratio',
    thresholds: { critical: 0.9, warning: 0.7 },
    measures: 'host CPU utilization',
  },
  memoryUtilizationRatio: {
    alert: 'HostHighMemoryUtilization',
    area: 'system',
    kind: 'ratio',
    thresholds: { critical: 0.9, warning: 0.8 },
    measures: 'host (or container) memory utilization',
  },
  diskUtilizationRatio: {
    alert: 'HostHighDiskUtilization',
    area: 'system',
    kind: 'ratio',
    thresholds: { critical: 0.95, warning: 0.8 },
    measures: 'filesystem space used, per mount point',
  },
  eventLoopDelayP99Seconds: {
    alert: 'NodejsHighEventLoopDelayP99',
    area: 'runtime',
    kind: 'seconds',
    thresholds: { warning: 0.5, info: 0.1 },
    measures: '99th percentile of the event loop delay since the previous scrape, per process',
  },
  eventLoopUtilizationRatio: {
    alert: 'NodejsHighEventLoopUtilization',
    area: 'runtime',
    kind: 'ratio',
    thresholds: { warning: 0.9 },
    measures: 'share of the time the event loop was busy since the previous scrape, per process',
  },
  heapUsageRatio: {
    alert: 'NodejsHighHeapUsage',
    area: 'runtime',
    kind: 'ratio',
    thresholds: { warning: 0.9 },
    measures: 'V8 heap used / heap size limit, per process',
  },
} as const satisfies Record<string, AlertSpec>)

/** The key of an alert in the catalog (its thresholds option). */
export type AlertKey = keyof typeof alertCatalog

/** How long a condition must hold before the alert fires, per severity (Prometheus durations). */
export const defaultForDurations: Readonly<Record<Severity, string>> = deepFreeze({ critical: '5m', warning: '10m', info: '15m' })

/** Range windows of the rules, dashboard and status page (Prometheus durations). */
export const defaultWindows = deepFreeze({
  /** Window of every `rate()`: error ratios, latencies, failure ratios, averages. */
  rate: '5m',
  /** Window over which quota limit hits are counted (`increase()`). */
  quota: '1h',
} as const)
