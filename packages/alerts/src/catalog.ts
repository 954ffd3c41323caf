import { prefixedNames } from './metric-names.js'
import type { AlertThresholds, ResolvedAlertOptions, Severity, ThresholdKind } from './options.js'
import { thresholdKinds } from './options.js'
import { by, durationSeconds, selector } from './promql.js'
import { formatThreshold, type TextPart } from './template.js'

/** The areas the rules and the dashboard are split into. */
export type Area = 'api' | 'websocket' | 'database' | 'quota' | 'system'

/** A Prometheus recording rule. */
export interface RecordingRule {
  record: string
  expr: string
}

/** One alert family: one alert name, one rule per severity that has a threshold. */
export interface AlertFamily {
  /** The `alertname`. */
  alert: string
  area: Area
  /** The key of its thresholds in `AlertThresholds`. */
  threshold: keyof AlertThresholds
  kind: ThresholdKind
  /** The measured value: compared with `> threshold` in each rule. */
  value: string
  /** Labels the value keeps; undefined when it keeps every label of the source series. */
  keeps: string[] | undefined
  /** Labels named in the description. */
  shows: string[]
  summary: (threshold: string) => TextPart[]
  description: (threshold: string, severity: Severity) => TextPart[]
}

/** Recording rules and alert families of one area, in evaluation order. */
export interface AreaRules {
  area: Area
  records: RecordingRule[]
  alerts: AlertFamily[]
}

const AREAS: readonly Area[] = ['api', 'websocket', 'database', 'quota', 'system']

/** Every recording rule and alert the options describe, by area. */
export function alertCatalog(options: ResolvedAlertOptions): AreaRules[] {
  const n = prefixedNames(options.prefix)
  const sel = options.selector
  const win = options.windows.rate
  const group = options.groupBy
  const level = (own: string[]): string => [...group, ...own].join('_') || 'cluster'
  const rate = (metric: string, ...matchers: string[]): string => `rate(${selector(metric, sel, ...matchers)}[${win}])`
  const sumRate = (own: string[], metric: string, ...matchers: string[]): string =>
    `sum ${by([...group, ...own])} (${rate(metric, ...matchers)})`
  const where = (labels: string[]): TextPart[] =>
    labels.flatMap((label, i) => [i === 0 ? ' (' : ', ', `${label}=`, { label }]).concat(labels.length > 0 ? [')'] : [])
  const value = (kind: ThresholdKind): TextPart => ({ value: kind })

  const rules: AreaRules[] = AREAS.map((area) => ({ area, records: [], alerts: [] }))
  const add = (area: Area, records: RecordingRule[], family: Omit<AlertFamily, 'area' | 'kind'>): void => {
    const target = rules.find((r) => r.area === area) as AreaRules
    target.records.push(...records)
    target.alerts.push({ ...family, area, kind: thresholdKinds[family.threshold] })
  }

  // API: error ratio and p95, over every route of the group.
  const requests = `${level([])}:${n.http.requestDuration}_count:rate${win}`
  const errorRatio = `${level([])}:${n.http.requestDuration}_count:error_ratio_rate${win}`
  const p95 = `${level([])}:${n.http.requestDuration}:p95_rate${win}`
  const onGroup = `on (${group.join(', ')})`
  add('api', [
    { record: requests, expr: sumRate([], `${n.http.requestDuration}_count`) },
    {
      record: errorRatio,
      expr: `(${sumRate([], `${n.http.requestDuration}_count`, 'status_code=~"5.."')} or ${requests} * 0) / (${requests} > 0)`,
    },
    {
      record: p95,
      expr: `histogram_quantile(0.95, ${`sum ${by([...group, 'le'])} (${rate(`${n.http.requestDuration}_bucket`)})`}) and ${onGroup} (${requests} > 0)`,
    },
  ], {
    alert: 'ApiHighErrorRate',
    threshold: 'apiErrorRatio',
    value: errorRatio,
    keeps: [...group],
    shows: [...group],
    summary: (t) => ['API error rate is ', value('ratio'), ` (above ${t})`],
    description: (t, s) => [value('ratio'), ` of API requests were answered with a 5xx status over the last ${win}`, ...where(group), `; the ${s} threshold is ${t}.`],
  })
  add('api', [], {
    alert: 'ApiHighLatencyP95',
    threshold: 'apiLatencyP95Seconds',
    value: p95,
    keeps: [...group],
    shows: [...group],
    summary: (t) => ['API p95 latency is ', value('seconds'), ` (above ${t})`],
    description: (t, s) => ['95% of API requests over the last ', win, ' took up to ', value('seconds'), ...where(group), `; the ${s} threshold is ${t}.`],
  })

  // WebSocket: failed handshakes / attempts, per server.
  const failures = `${level(['server'])}:${n.ws.connectionFailures}:rate${win}`
  const opened = `${level(['server'])}:${n.ws.connectionsOpened}:rate${win}`
  const failureRatio = `${level(['server'])}:${n.ws.connectionFailures}:ratio_rate${win}`
  const failed = `(${failures} or ${opened} * 0)`
  add('websocket', [
    { record: failures, expr: sumRate(['server'], n.ws.connectionFailures) },
    { record: opened, expr: sumRate(['server'], n.ws.connectionsOpened) },
    { record: failureRatio, expr: `${failed} / (((${opened} or ${failures} * 0) + ${failed}) > 0)` },
  ], {
    alert: 'WebSocketHighFailureRatio',
    threshold: 'wsFailureRatio',
    value: failureRatio,
    keeps: [...group, 'server'],
    shows: [...group, 'server'],
    summary: (t) => ['WebSocket connection failures are ', value('ratio'), ` of attempts (above ${t})`],
    description: (t, s) => [value('ratio'), ` of WebSocket connection attempts failed over the last ${win}`, ...where([...group, 'server']), `; the ${s} threshold is ${t}.`],
  })

  // Streaming: average duration, per stream kind.
  const streamAvg = `${level(['stream'])}:${n.ws.streamDuration}:avg_rate${win}`
  add('websocket', [
    {
      record: streamAvg,
      expr: `${sumRate(['stream'], `${n.ws.streamDuration}_sum`)} / (${sumRate(['stream'], `${n.ws.streamDuration}_count`)} > 0)`,
    },
  ], {
    alert: 'StreamingSlowAverageDuration',
    threshold: 'streamDurationSeconds',
    value: streamAvg,
    keeps: [...group, 'stream'],
    shows: [...group, 'stream'],
    summary: (t) => ['Streaming operations take ', value('seconds'), ` on average (above ${t})`],
    description: (t, s) => ['Streaming operations ended over the last ', win, ' took ', value('seconds'), ' on average', ...where([...group, 'stream']), `; the ${s} threshold is ${t}.`],
  })

  // Database: pool usage per pool and instance (a saturated pool is local), average query latency per pool.
  const poolUsage = `instance_pool:${n.pg.poolConnections}:used_ratio`
  add('database', [
    {
      record: poolUsage,
      expr: `sum without (state) (${selector(n.pg.poolConnections, sel, 'state="used"')}) / (${selector(n.pg.poolMaxConnections, sel)} > 0)`,
    },
  ], {
    alert: 'DatabasePoolNearlyExhausted',
    threshold: 'dbPoolUsageRatio',
    value: poolUsage,
    keeps: undefined,
    shows: ['instance', 'pool'],
    summary: (t) => ['Database pool is ', value('ratio'), ` in use (above ${t})`],
    description: (t, s) => ['Pool ', { label: 'pool' }, ' on ', { label: 'instance' }, ' has ', value('ratio'), ` of its maximum connections in use; the ${s} threshold is ${t}.`],
  })
  const queryAvg = `${level(['pool'])}:${n.pg.queryDuration}:avg_rate${win}`
  add('database', [
    {
      record: queryAvg,
      expr: `${sumRate(['pool'], `${n.pg.queryDuration}_sum`)} / (${sumRate(['pool'], `${n.pg.queryDuration}_count`)} > 0)`,
    },
  ], {
    alert: 'DatabaseHighQueryLatency',
    threshold: 'dbQueryLatencySeconds',
    value: queryAvg,
    keeps: [...group, 'pool'],
    shows: [...group, 'pool'],
    summary: (t) => ['Database queries take ', value('seconds'), ` on average (above ${t})`],
    description: (t, s) => ['Queries over the last ', win, ' took ', value('seconds'), ' on average', ...where([...group, 'pool']), `; the ${s} threshold is ${t}.`],
  })

  // Quotas: limit hits per quota within the quota window.
  const quotaWin = options.windows.quota
  add('quota', [], {
    alert: 'QuotaLimitFrequentlyHit',
    threshold: 'quotaLimitHits',
    value: `sum ${by([...group, 'quota'])} (increase(${selector(n.quota.limitHits, sel)}[${quotaWin}]))`,
    keeps: [...group, 'quota'],
    shows: [...group, 'quota'],
    summary: (t) => ['Quota ', { label: 'quota' }, ' was hit ', value('count'), ` times in ${quotaWin} (above ${t})`],
    description: (t, s) => ['Requests were rejected by quota ', { label: 'quota' }, ' ', value('count'), ` times over the last ${quotaWin}`, ...where(group), `; the ${s} threshold is ${t}.`],
  })

  // Host: the gauges are ratios already, one series per instance (and mount point).
  const host = (alert: string, threshold: keyof AlertThresholds, metric: string, what: string, own: string[]): void => {
    add('system', [], {
      alert,
      threshold,
      value: selector(metric, sel),
      keeps: undefined,
      shows: ['instance', ...own],
      summary: (t) => [`${what} is `, value('ratio'), ` (above ${t})`],
      description: (t, s) => [`${what} on `, { label: 'instance' }, ...own.flatMap((label) => [` ${label} `, { label }]), ' is ', value('ratio'), `; the ${s} threshold is ${t}.`],
    })
  }
  host('HostHighCpuUtilization', 'cpuUtilizationRatio', n.system.cpuUtilization, 'CPU utilization', [])
  host('HostHighMemoryUtilization', 'memoryUtilizationRatio', n.system.memoryUtilization, 'Memory utilization', [])
  host('HostHighDiskUtilization', 'diskUtilizationRatio', n.system.filesystemUtilization, 'Disk utilization', ['mountpoint'])

  return rules
}

/** The severities of a family, highest first, with their thresholds. */
export function severitiesOf(options: ResolvedAlertOptions, family: AlertFamily): [Severity, number][] {
  const levels = options.thresholds[family.threshold] as Partial<Record<Severity, number>>
  return (['critical', 'warning', 'info'] as const).flatMap((s) => (levels[s] === undefined ? [] : [[s, levels[s]] as [Severity, number]]))
}

/** The threshold of a family at a severity, formatted for people. */
export function thresholdText(family: AlertFamily, threshold: number): string {
  return formatThreshold(family.kind, threshold)
}

/** Seconds of a `for` duration of the options. */
export function forSeconds(options: ResolvedAlertOptions, severity: Severity): number {
  return durationSeconds(options.for[severity])
}
