import type { AlertKey } from '@intervai/metrics-catalog'
import { prefixedNames } from './metric-names.js'
import type { ResolvedAlertOptions } from './options.js'
import { by, selector } from './promql.js'

/**
 * How a measure reads one of its intermediate values: the recording rules answer with the
 * record's name (and record it), the dashboard with the expression itself, so its panels work
 * without the rules loaded.
 */
export type Use = (record: string, expr: string) => string

/** One measured value of an alert, built once for the rules and the dashboard alike. */
export interface Measure {
  /** The PromQL of the value; every recorded intermediate (and the value itself, if recorded) goes through `use`. */
  build: (use: Use) => string
  /** Labels the value keeps; undefined when it keeps every label of its source series. */
  keeps: string[] | undefined
  /** Labels that tell its series apart: alert descriptions and dashboard legends. */
  shows: string[]
}

/** The measure of every alert, and the API latency quantiles the dashboard draws beside p95. */
export interface Measures extends Record<AlertKey, Measure> {
  /** The `q` quantile of API request durations (0.95 is what `ApiHighLatencyP95` measures). */
  apiLatencyQuantile: (q: number) => Measure
}

/** The expression of a measure with every intermediate inline. */
export function inline(measure: Measure): string {
  return measure.build((_record, expr) => expr)
}

/** Every measured value the options describe. */
export function measures(options: ResolvedAlertOptions): Measures {
  const n = prefixedNames(options.prefix)
  const sel = options.selector
  const win = options.windows.rate
  const group = options.groupBy
  const level = (own: string[]): string => [...group, ...own].join('_') || 'cluster'
  const rate = (metric: string, ...matchers: string[]): string => `rate(${selector(metric, sel, ...matchers)}[${win}])`
  const sumRate = (own: string[], metric: string, ...matchers: string[]): string =>
    `sum ${by([...group, ...own])} (${rate(metric, ...matchers)})`
  const aggregated = (own: string[], build: Measure['build']): Measure => ({ build, keeps: [...group, ...own], shows: [...group, ...own] })
  // rate(_sum) / rate(_count) over the group and `own`, nothing at all without observations.
  const average = (own: string[], metric: string): Measure =>
    aggregated(own, (use) =>
      use(`${level(own)}:${metric}:avg_rate${win}`, `${sumRate(own, `${metric}_sum`)} / (${sumRate(own, `${metric}_count`)} > 0)`))
  const host = (metric: string, own: string[]): Measure => ({ build: () => selector(metric, sel), keeps: undefined, shows: ['instance', ...own] })

  const requestCount = `${n.http.requestDuration}_count`
  const requests = (use: Use): string => use(`${level([])}:${requestCount}:rate${win}`, sumRate([], requestCount))
  const apiLatencyQuantile = (q: number): Measure =>
    aggregated([], (use) => {
      const traffic = requests(use)
      const quantile = `histogram_quantile(${q}, sum ${by([...group, 'le'])} (${rate(`${n.http.requestDuration}_bucket`)}))`
      // Only where there was traffic: histogram_quantile of no observations is NaN.
      return use(`${level([])}:${n.http.requestDuration}:p${Math.round(q * 100)}_rate${win}`, `${quantile} and on (${group.join(', ')}) (${traffic} > 0)`)
    })

  return {
    // 5xx / all; `or … * 0` records 0 while there is traffic but no 5xx series yet.
    apiErrorRatio: aggregated([], (use) => {
      const traffic = requests(use)
      const errors = sumRate([], requestCount, 'status_code=~"5.."')
      return use(`${level([])}:${requestCount}:error_ratio_rate${win}`, `(${errors} or ${traffic} * 0) / (${traffic} > 0)`)
    }),
    apiLatencyP95Seconds: apiLatencyQuantile(0.95),
    apiLatencyQuantile,
    // failed / (opened + failed), per server; either series may not exist yet.
    wsFailureRatio: aggregated(['server'], (use) => {
      const failures = use(`${level(['server'])}:${n.ws.connectionFailures}:rate${win}`, sumRate(['server'], n.ws.connectionFailures))
      const opened = use(`${level(['server'])}:${n.ws.connectionsOpened}:rate${win}`, sumRate(['server'], n.ws.connectionsOpened))
      const failed = `(${failures} or ${opened} * 0)`
      return use(`${level(['server'])}:${n.ws.connectionFailures}:ratio_rate${win}`, `${failed} / (((${opened} or ${failures} * 0) + ${failed}) > 0)`)
    }),
    streamDurationSeconds: average(['stream'], n.ws.streamDuration),
    // Per pool and instance: a saturated pool is local to its process.
    dbPoolUsageRatio: {
      build: (use) =>
        use(
          `instance_pool:${n.pg.poolConnections}:used_ratio`,
          `sum without (state) (${selector(n.pg.poolConnections, sel, 'state="used"')}) / (${selector(n.pg.poolMaxConnections, sel)} > 0)`,
        ),
      keeps: undefined,
      shows: ['instance', 'pool'],
    },
    dbQueryLatencySeconds: average(['pool'], n.pg.queryDuration),
    quotaLimitHits: aggregated(['quota'], () => `sum ${by([...group, 'quota'])} (increase(${selector(n.quota.limitHits, sel)}[${options.windows.quota}]))`),
    // The host gauges are ratios already, one series per instance (and mount point).
    cpuUtilizationRatio: host(n.system.cpuUtilization, []),
    memoryUtilizationRatio: host(n.system.memoryUtilization, []),
    diskUtilizationRatio: host(n.system.filesystemUtilization, ['mountpoint']),
    // The runtime gauges are per process (instance) too; prom-client's delay percentiles and our
    // utilization cover the time since the previous scrape.
    eventLoopDelayP99Seconds: host(n.runtime.eventLoopDelayP99, []),
    eventLoopUtilizationRatio: host(n.runtime.eventLoopUtilization, []),
    heapUsageRatio: {
      build: (use) =>
        use(`instance:${n.runtime.heapUsed}:limit_ratio`, `${selector(n.runtime.heapUsed, sel)} / (${selector(n.runtime.heapLimit, sel)} > 0)`),
      keeps: undefined,
      shows: ['instance'],
    },
  }
}
