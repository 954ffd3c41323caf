import { prometheusRules, type AlertingRule } from '@intervai/metrics-alerts'
import { alertCatalog, metricCatalog, type AlertSpec } from '@intervai/metrics-catalog'
import { alertRules, compareAlerts, runbookUrl, type AlertRule } from './alert-states.js'
import type { AlertStatus, StatusChart, StatusGroup, StatusLine, StatusStat, StatusTable } from './data.js'
import type { StatusData } from './data.js'
import type { ResolvedSource, ResolvedStatusOptions } from './options.js'
import { charts, groups, rounded, ROUTE_ROWS, routeColumns, stats, type ChartId, type GroupId, type StatId } from './panels.js'
import { runtimeMetrics } from './plan.js'
import { PrometheusApi, sampleValue, type PromSeries } from './prometheus-api.js'
import type { StatusSource } from './sampler-source.js'
import { thresholdsOf } from './sampler-groups.js'
import { matchersText } from './selector.js'

interface ChartQuery {
  readonly expr: string
  /** Line label when the result has no labels (one aggregated line). */
  readonly label: string
}

/**
 * The fleet source: the same page, from a Prometheus server that scrapes every instance. Alert
 * values are the left side of the alerting rules `prometheusRules()` generates (the recording
 * rules), states come from Prometheus's own `ALERTS` and `ALERTS_FOR_STATE` series, and the
 * other charts are PromQL over the catalog's metrics. Queried at most once per `intervalMs`.
 */
export class PrometheusSource implements StatusSource {
  private readonly api: PrometheusApi
  private readonly rules: readonly AlertRule[]
  /** The measured value of each alert (by catalog key), as the alerting rules compare it. */
  private readonly values = new Map<string, string>()
  private cached: { at: number; data: Promise<StatusData> } | undefined

  constructor(
    private readonly options: ResolvedStatusOptions,
    source: ResolvedSource,
  ) {
    this.api = new PrometheusApi(source.prometheus, source.headers, source.timeoutMs)
    this.rules = alertRules(options.alerts)
    const alerting = prometheusRules(options.alerts).groups.flatMap((g) => g.rules.filter((r): r is AlertingRule => 'alert' in r))
    for (const [key, spec] of Object.entries(alertCatalog as Record<string, AlertSpec>)) {
      const rule = alerting.find((r) => r.alert === spec.alert)
      // Every alerting rule reads `<value> > <threshold>`.
      if (rule !== undefined) this.values.set(key, rule.expr.slice(0, rule.expr.lastIndexOf(' > ')))
    }
  }

  data(): Promise<StatusData> {
    const now = Date.now()
    if (this.cached !== undefined && now - this.cached.at < this.options.intervalMs) return this.cached.data
    const data = this.query(now)
    this.cached = { at: now, data }
    return data
  }

  close(): void {
    this.cached = undefined
  }

  private async query(nowMs: number): Promise<StatusData> {
    const o = this.options
    const step = Math.max(1, Math.round(o.intervalMs / 1000))
    const end = Math.floor(nowMs / 1000 / step) * step
    const start = end - Math.floor(o.historyMs / 1000 / step) * step
    const t: number[] = []
    for (let s = start; s <= end; s += step) t.push(s)
    const base: Omit<StatusData, 'alerts' | 'groups'> = { source: 'prometheus', now: end * 1000, intervalMs: step * 1000, historyMs: o.historyMs, window: o.alerts.windows.rate, t }
    try {
      const range = async (queries: readonly ChartQuery[]): Promise<StatusLine[]> => {
        const results = await Promise.all(queries.map((q) => this.api.queryRange(q.expr, start, end, step)))
        // One query: its lines by their labels (a job, a pool); several (p50/p95/p99): by the query first.
        return results.flatMap((series, i) => {
          const query = queries[i] as ChartQuery
          return series.map((s) => ({ label: queries.length === 1 ? lineLabel(s.metric, query.label) : lineLabel(s.metric, '', query.label), values: onGrid(s, start, step, t.length) }))
        })
      }
      const instant = async (expr: string): Promise<PromSeries[]> => this.api.query(expr, end)
      const [alerts, groupsOut] = await Promise.all([this.alerts(end, instant), this.groups(range, instant)])
      return { ...base, alerts, groups: groupsOut }
    } catch (error) {
      return { ...base, alerts: [], groups: [], error: `Prometheus at ${this.options.source?.prometheus}: ${error instanceof Error ? error.message : String(error)}` }
    }
  }

  /** Every rule's state per label set: pending/firing from `ALERTS`, since when from `ALERTS_FOR_STATE`. */
  private async alerts(end: number, instant: (expr: string) => Promise<PromSeries[]>): Promise<AlertStatus[]> {
    const sel = this.options.alerts.selector
    const scope = sel === '' ? '' : `, ${sel}`
    const names = [...new Set(this.rules.map((r) => r.alert))].join('|')
    const [active, since, ...measured] = await Promise.all([
      instant(`ALERTS{alertname=~"${names}"${scope}}`),
      instant(`ALERTS_FOR_STATE{alertname=~"${names}"${scope}}`),
      ...this.rules.map((rule) => {
        const expr = this.values.get(rule.key)
        return expr === undefined ? Promise.resolve([]) : instant(expr)
      }),
    ])
    const out: AlertStatus[] = []
    this.rules.forEach((rule, i) => {
      const base = {
        alert: rule.alert,
        severity: rule.severity,
        area: rule.area,
        kind: rule.kind,
        measures: rule.measures,
        threshold: rule.threshold,
        for: rule.for,
        runbook: runbookUrl(this.options.runbookBase, rule.alert),
      }
      const series = (measured[i] as PromSeries[]).filter((s) => s.value !== undefined)
      if (series.length === 0) out.push({ ...base, labels: {}, state: 'inactive', value: null, activeAt: null, firingAt: null })
      for (const s of series) {
        const labels = withoutName(s.metric)
        const matches = (a: PromSeries): boolean =>
          a.metric.alertname === rule.alert && a.metric.severity === rule.severity && Object.entries(labels).every(([k, v]) => a.metric[k] === v)
        const state = active.find(matches)?.metric.alertstate
        const activeAt = since.find(matches)?.value
        const activeMs = activeAt === undefined ? null : sampleValue(activeAt[1]) * 1000
        out.push({
          ...base,
          labels,
          state: state === 'firing' || state === 'pending' ? state : 'inactive',
          value: rounded(sampleValue((s.value as [number, string])[1])),
          activeAt: state === undefined ? null : activeMs,
          firingAt: state === 'firing' && activeMs !== null ? activeMs + rule.forMs : null,
        })
      }
    })
    void end
    return out.sort(compareAlerts)
  }

  private async groups(range: (q: readonly ChartQuery[]) => Promise<StatusLine[]>, instant: (expr: string) => Promise<PromSeries[]>): Promise<StatusGroup[]> {
    const o = this.options
    const p = o.metrics.prefix
    const sel = o.alerts.selector
    const w = o.alerts.windows.rate
    const group = o.alerts.groupBy
    const by = (...own: string[]): string => `by (${[...group, ...own].join(', ')})`
    const s = (name: string, ...matchers: string[]): string => {
      const all = [sel, ...matchers].filter((m) => m !== '')
      return all.length === 0 ? name : `${name}{${all.join(', ')}}`
    }
    const { http, ws, pg, quota, system } = metricCatalog
    const n = (spec: { name: string }): string => p + spec.name
    const value = (key: string, label: string): ChartQuery[] => {
      const expr = this.values.get(key)
      return expr === undefined ? [] : [{ expr, label }]
    }
    const sumRate = (own: string[], metric: string, ...matchers: string[]): string => `sum ${by(...own)} (rate(${s(metric, ...matchers)}[${w}]))`
    const quantile = (q: number, own: string[], metric: string): string => `histogram_quantile(${q}, sum ${by(...own, 'le')} (rate(${s(`${metric}_bucket`)}[${w}])))`
    const runtime = (name: string): string => (p === '' ? name : `${p}${name}`)

    const chart = async (id: ChartId, queries: ChartQuery[]): Promise<StatusChart> => {
      const meta = charts[id] as { title: string; unit: StatusChart['unit']; alert?: string; description?: string }
      return { id, title: meta.title, unit: meta.unit, description: meta.description, lines: await range(queries), thresholds: thresholdsOf(this.rules, meta.alert) }
    }
    const scalar = async (expr: string): Promise<number> => {
      const result = await instant(expr)
      return result[0]?.value === undefined ? Number.NaN : sampleValue(result[0].value[1])
    }
    const stat = async (id: StatId, expr: string): Promise<StatusStat> => ({ id, label: stats[id].label, unit: stats[id].unit, value: rounded(await scalar(expr)) })
    const build = async (id: GroupId, statsIn: Promise<StatusStat>[], chartsIn: Promise<StatusChart>[], tables: Promise<StatusTable[]> = Promise.resolve([])): Promise<StatusGroup> => {
      const [st, ch, tb] = await Promise.all([Promise.all(statsIn), Promise.all(chartsIn), tables])
      const available = ch.some((c) => c.lines.length > 0)
      return { id, title: groups[id].title, available, ...(available ? {} : { hint: groups[id].hint }), stats: st, charts: ch, tables: tb }
    }
    const count = `${n(http.requestDuration)}_count`
    const fiveXx = 'status_code=~"5.."'

    return Promise.all([
      build(
        'api',
        [
          stat('api.requests', `sum(${s(count)})`),
          stat('api.errors', `sum(${s(count, fiveXx)}) or (sum(${s(count)}) * 0)`),
          stat('api.inFlight', `sum(${s(n(http.activeRequests))})`),
          stat('api.rps', `sum(rate(${s(count)}[${w}]))`),
          stat('api.errorRatio', `(sum(rate(${s(count, fiveXx)}[${w}])) or sum(rate(${s(count)}[${w}])) * 0) / (sum(rate(${s(count)}[${w}])) > 0)`),
          stat('api.p95', `histogram_quantile(0.95, sum by (le) (rate(${s(`${n(http.requestDuration)}_bucket`)}[${w}])))`),
        ],
        [
          chart('api.rps', [{ expr: sumRate([], count), label: 'requests' }]),
          chart('api.errorRatio', value('apiErrorRatio', '5xx')),
          chart('api.latency', [
            { expr: quantile(0.5, [], n(http.requestDuration)), label: 'p50' },
            ...value('apiLatencyP95Seconds', 'p95'),
            { expr: quantile(0.99, [], n(http.requestDuration)), label: 'p99' },
          ]),
        ],
        this.routeTables(instant, s, w, n(http.requestDuration)),
      ),
      build(
        'websocket',
        [
          stat('websocket.active', `sum(${s(n(ws.connectionsActive))})`),
          stat('websocket.opened', `sum(${s(n(ws.connectionsOpened))})`),
          stat('websocket.failures', `sum(${s(n(ws.connectionFailures))})`),
          stat('websocket.messages', `sum(${s(n(ws.messages))})`),
          stat('websocket.streams', `sum(${s(`${n(ws.streamDuration)}_count`)})`),
        ],
        [
          chart('websocket.active', [{ expr: `sum ${by('server')} (${s(n(ws.connectionsActive))})`, label: 'connections' }]),
          chart('websocket.failureRatio', value('wsFailureRatio', 'failures')),
          chart('websocket.messages', [{ expr: sumRate(['direction'], n(ws.messages)), label: 'messages' }]),
          chart('websocket.streamDuration', value('streamDurationSeconds', 'streams')),
        ],
      ),
      build(
        'database',
        [
          stat('database.queries', `sum(${s(`${n(pg.queryDuration)}_count`)})`),
          stat('database.inUse', `sum(${s(n(pg.poolConnections), 'state="used"')})`),
          stat('database.waiting', `sum(${s(n(pg.poolWaitingRequests))})`),
          stat('database.slow', `sum(${s(n(pg.slowQueries))})`),
          stat('database.rollbacks', `sum(${s(n(pg.transactions), 'outcome="rollback"')})`),
          stat('database.errors', `sum(${s(n(pg.queryErrors))})`),
        ],
        [
          chart('database.p95', [{ expr: quantile(0.95, ['pool'], n(pg.queryDuration)), label: 'p95' }]),
          chart('database.average', value('dbQueryLatencySeconds', 'average')),
          chart('database.poolUsage', value('dbPoolUsageRatio', 'usage')),
          chart('database.waiting', [{ expr: `sum ${by('pool')} (${s(n(pg.poolWaitingRequests))})`, label: 'waiting' }]),
          chart('database.slow', [{ expr: `${sumRate(['pool'], n(pg.slowQueries))} * 60`, label: 'slow' }]),
          chart('database.rollbacks', [{ expr: `${sumRate(['pool'], n(pg.transactions), 'outcome="rollback"')} * 60`, label: 'rollbacks' }]),
        ],
      ),
      build('quota', [stat('quota.hits', `sum(${s(n(quota.limitHits))})`)], [chart('quota.hits', value('quotaLimitHits', 'hits'))]),
      build(
        'system',
        [
          stat('system.cpu', `max(${s(n(system.cpuUtilization))})`),
          stat('system.memory', `max(${s(n(system.memoryUtilization))})`),
          stat('system.disk', `max(${s(n(system.filesystemUtilization))})`),
          stat('system.receive', `sum(rate(${s(n(system.networkIo), 'direction="receive"')}[${w}]))`),
          stat('system.transmit', `sum(rate(${s(n(system.networkIo), 'direction="transmit"')}[${w}]))`),
        ],
        [
          chart('system.cpu', value('cpuUtilizationRatio', 'cpu')),
          chart('system.memory', value('memoryUtilizationRatio', 'memory')),
          chart('system.disk', value('diskUtilizationRatio', 'disk')),
          chart('system.network', [{ expr: `sum by (instance, direction) (rate(${s(n(system.networkIo))}[${w}]))`, label: 'network' }]),
        ],
      ),
      build(
        'runtime',
        [
          stat('runtime.eventLoopDelay', `max(${s(runtime(runtimeMetrics.eventLoopDelayP99))})`),
          stat('runtime.eventLoopUtilization', `max(${s(runtime(runtimeMetrics.eventLoopUtilization))})`),
          stat('runtime.heapUsed', `sum(${s(runtime(runtimeMetrics.heapUsed))})`),
          stat('runtime.rss', `sum(${s(runtime(runtimeMetrics.residentMemory))})`),
        ],
        [
          chart('runtime.eventLoopDelay', [{ expr: `max by (instance) (${s(runtime(runtimeMetrics.eventLoopDelayP99))})`, label: 'p99' }]),
          chart('runtime.eventLoopUtilization', [{ expr: `max by (instance) (${s(runtime(runtimeMetrics.eventLoopUtilization))})`, label: 'utilization' }]),
          chart('runtime.memory', [
            { expr: `sum by (instance) (${s(runtime(runtimeMetrics.heapUsed))})`, label: 'heap used' },
            { expr: `sum by (instance) (${s(runtime(runtimeMetrics.heapLimit))})`, label: 'heap limit' },
            { expr: `sum by (instance) (${s(runtime(runtimeMetrics.residentMemory))})`, label: 'resident' },
          ]),
          chart('runtime.heapUsage', value('heapUsageRatio', 'heap')),
          chart('runtime.cpu', [{ expr: `sum by (instance) (rate(${s(runtime(runtimeMetrics.cpuSeconds))}[${w}]))`, label: 'cpu' }]),
        ],
      ),
      this.business(range, s, w),
    ])
  }

  /** The slowest and most failing routes over the rate window, across the fleet. */
  private async routeTables(instant: (expr: string) => Promise<PromSeries[]>, s: (name: string, ...m: string[]) => string, w: string, duration: string): Promise<StatusTable[]> {
    const perRoute = 'by (method, route)'
    const rate = (matchers: string[] = []): string => `sum ${perRoute} (rate(${s(`${duration}_count`, ...matchers)}[${w}]))`
    const [rps, errors, p95, sum] = await Promise.all([
      instant(`${rate()} > 0`),
      instant(rate(['status_code=~"5.."'])),
      instant(`histogram_quantile(0.95, sum by (method, route, le) (rate(${s(`${duration}_bucket`)}[${w}])))`),
      instant(`sum ${perRoute} (rate(${s(`${duration}_sum`)}[${w}]))`),
    ])
    const find = (list: PromSeries[], m: Readonly<Record<string, string>>): number => {
      const found = list.find((x) => x.metric.method === m.method && x.metric.route === m.route)?.value
      return found === undefined ? Number.NaN : sampleValue(found[1])
    }
    const rows = rps.map((x) => {
      const r = sampleValue((x.value as [number, string])[1])
      const e = find(errors, x.metric)
      return {
        method: x.metric.method ?? '',
        route: x.metric.route ?? '',
        rps: rounded(r),
        errorRatio: rounded(Number.isNaN(e) ? 0 : e / r),
        p95: rounded(find(p95, x.metric)),
        average: rounded(find(sum, x.metric) / r),
      }
    })
    const order = (column: 'p95' | 'errorRatio') => (a: (typeof rows)[number], b: (typeof rows)[number]): number =>
      (b[column] ?? -1) - (a[column] ?? -1) || (b.rps ?? 0) - (a.rps ?? 0) || a.route.localeCompare(b.route)
    const columns = routeColumns.map((c) => ({ ...c }))
    return [
      { id: 'api.slowest', title: 'Slowest routes', columns, rows: [...rows].sort(order('p95')).slice(0, ROUTE_ROWS) },
      { id: 'api.failing', title: 'Most failing routes', columns, rows: rows.filter((r) => (r.errorRatio ?? 0) > 0).sort(order('errorRatio')).slice(0, ROUTE_ROWS) },
    ]
  }

  /** The configured business panels, as PromQL over the whole fleet. */
  private async business(range: (q: readonly ChartQuery[]) => Promise<StatusLine[]>, s: (name: string, ...m: string[]) => string, w: string): Promise<StatusGroup> {
    const p = this.options.metrics.prefix
    const name = (metric: string): string => (p !== '' && !metric.startsWith(p) ? p + metric : metric)
    const out = await Promise.all(
      this.options.business.map(async (panel, i): Promise<StatusChart> => {
        const by = `by (${panel.by ?? ''})`
        const v = panel.value
        let expr: string
        if (v.kind === 'rate') expr = `sum ${by} (rate(${s(name(v.selection.metric), matchersText(v.selection.matchers))}[${w}])) * ${v.per}`
        else if (v.kind === 'average') {
          const m = matchersText(v.selection.matchers)
          expr = `sum ${by} (rate(${s(`${name(v.selection.metric)}_sum`, m)}[${w}])) / (sum ${by} (rate(${s(`${name(v.selection.metric)}_count`, m)}[${w}])) > 0)`
        } else {
          const [num, den] = v.selections
          const denominator = `sum ${by} (rate(${s(name(den.metric), matchersText(den.matchers))}[${w}]))`
          expr = `(sum ${by} (rate(${s(name(num.metric), matchersText(num.matchers))}[${w}])) or ${denominator} * 0) / (${denominator} > 0)`
        }
        const chart: StatusChart = { id: `business.${i}`, title: panel.title, unit: panel.unit, lines: await range([{ expr, label: panel.title }]), thresholds: [] }
        if (panel.description !== undefined) chart.description = panel.description
        return chart
      }),
    )
    const available = out.some((c) => c.lines.length > 0)
    return { id: 'business', title: groups.business.title, available, ...(available ? {} : { hint: groups.business.hint }), stats: [], charts: out, tables: [] }
  }
}

function withoutName(labels: Readonly<Record<string, string>>): Record<string, string> {
  const { __name__: _name, ...rest } = labels
  return rest
}

/** A line's label: its label values (`fallback` without any), after `lead` when given. */
function lineLabel(labels: Readonly<Record<string, string>>, fallback: string, lead = ''): string {
  const values = Object.values(withoutName(labels))
  const text = values.length === 0 ? fallback : values.join(' ')
  return lead === '' ? text : text === '' ? lead : `${lead} ${text}`
}

/** A range result's values on the chart's time grid (null where Prometheus has no point). */
function onGrid(series: PromSeries, start: number, step: number, length: number): (number | null)[] {
  const out: (number | null)[] = new Array<number | null>(length).fill(null)
  for (const [t, v] of series.values ?? []) {
    const i = Math.round((t - start) / step)
    if (i >= 0 && i < length) out[i] = rounded(sampleValue(v))
  }
  return out
}
