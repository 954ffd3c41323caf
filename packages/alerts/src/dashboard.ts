import { alertCatalog, optionError, type AlertKey } from '@intervai/metrics-catalog'
import { checkKeys, checkObject, checkString, PKG } from './checks.js'
import { inline, measures, type Measure, type Measures } from './measures.js'
import { prefixedNames } from './metric-names.js'
import { resolveAlertOptions, type AlertOptions, type ResolvedAlertOptions, type Severity } from './options.js'
import { selector } from './promql.js'
import { runbookUrl } from './runbooks.js'

/** A panel of the business metrics row: the app's own metrics. */
export interface BusinessPanel {
  /** Panel title. */
  title: string
  /** The PromQL expression, used as written (add the prefix and selector yourself). */
  expr: string
  /**
   * Legend format, e.g. `{{outcome}}`.
   * @default '' (Grafana's default legend)
   */
  legend?: string
  /**
   * Grafana unit id, e.g. `short`, `ops`, `s`, `percentunit`.
   * @default 'short'
   */
  unit?: string
  /** Panel description (tooltip on the title). */
  description?: string
}

/** Options of `grafanaDashboard()`: the alert options (same thresholds, windows, prefix, selector) and these. */
export interface DashboardOptions extends AlertOptions {
  /**
   * Dashboard title.
   * @default 'IntervAI service'
   */
  title?: string
  /**
   * Dashboard uid (stable, so re-importing replaces it).
   * @default 'intervai-metrics'
   */
  uid?: string
  /**
   * Panels of the business metrics row.
   * @default [] (the row is there, empty)
   */
  businessPanels?: BusinessPanel[]
}

/** A Grafana dashboard JSON model (the parts this package sets). */
export interface GrafanaDashboard {
  /** The `uid` option. */
  uid: string
  /** The `title` option. */
  title: string
  /** Grafana's JSON model version (39). */
  schemaVersion: number
  /** Rows and the timeseries panels below each. */
  panels: GrafanaPanel[]
  /** The `datasource` variable. */
  templating: { list: Record<string, unknown>[] }
  [key: string]: unknown
}

/** A row or timeseries panel of the dashboard. */
export interface GrafanaPanel {
  /** Unique within the dashboard. */
  id: number
  /** A row header or a timeseries panel. */
  type: 'row' | 'timeseries'
  /** Panel or row title. */
  title: string
  /** Position on Grafana's 24-column grid. */
  gridPos: { h: number; w: number; x: number; y: number }
  /** The PromQL queries of a timeseries panel. */
  targets?: { refId: string; expr: string; legendFormat: string; datasource: typeof DATASOURCE; range: boolean }[]
  [key: string]: unknown
}

interface PanelSpec {
  title: string
  description?: string
  /** The runbook of the alert this panel shows (a panel link). */
  runbook?: { alert: string; url: string }
  unit: string
  targets: { expr: string; legend: string }[]
  thresholds?: [Severity, number][]
  min?: number
  max?: number
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const
const SEVERITY_COLORS: Record<Severity, string> = { info: 'blue', warning: 'orange', critical: 'red' }
const PANEL_WIDTH = 8
const PANEL_HEIGHT = 8
/** The options `grafanaDashboard()` takes besides the alert options. */
export const DASHBOARD_OPTIONS = ['title', 'uid', 'businessPanels'] as const

/**
 * A Grafana dashboard with a row per area (API, WebSocket, database, quotas, system, Node.js runtime) and a row of
 * the app's business metrics. Panels of alerted values draw the alert thresholds of the same
 * options as lines and link to the alert's runbook. Every query uses the `${datasource}`
 * variable (a Prometheus data source). A bad option throws a TypeError naming it.
 */
export function grafanaDashboard(options: DashboardOptions = {}): GrafanaDashboard {
  const opts = checkObject<DashboardOptions>('options', options)
  const resolved = resolveAlertOptions(opts, DASHBOARD_OPTIONS)
  const title = checkString('title', opts.title, 'IntervAI service')
  const uid = checkString('uid', opts.uid, 'intervai-metrics')
  if (uid.length > 40) throw optionError(PKG, 'uid', 'at most 40 characters (a Grafana limit)', uid)
  const business = checkBusinessPanels(opts.businessPanels)

  const m = measures(resolved)
  const rows: [string, PanelSpec[]][] = [
    ['API', apiPanels(resolved, m)],
    ['WebSocket', webSocketPanels(resolved, m)],
    ['Database', databasePanels(resolved, m)],
    ['Quotas', quotaPanels(resolved, m)],
    ['System', systemPanels(resolved, m)],
    ['Node.js runtime', runtimePanels(resolved, m)],
    ['Business metrics', business.map((p) => ({
      title: p.title,
      description: p.description,
      unit: p.unit ?? 'short',
      targets: [{ expr: p.expr, legend: p.legend ?? '' }],
    }))],
  ]
  return {
    uid,
    title,
    tags: ['intervai'],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    annotations: { list: [] },
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
          refresh: 1,
          regex: '',
          options: [],
        },
      ],
    },
    panels: layout(rows),
  }
}

function layout(rows: [string, PanelSpec[]][]): GrafanaPanel[] {
  const panels: GrafanaPanel[] = []
  let id = 1
  let y = 0
  for (const [title, specs] of rows) {
    panels.push({ id: id++, type: 'row', title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] })
    y += 1
    specs.forEach((spec, i) => {
      const x = (i % 3) * PANEL_WIDTH
      panels.push(timeseries(id++, spec, { h: PANEL_HEIGHT, w: PANEL_WIDTH, x, y: y + Math.floor(i / 3) * PANEL_HEIGHT }))
    })
    y += Math.ceil(specs.length / 3) * PANEL_HEIGHT
  }
  return panels
}

function timeseries(id: number, spec: PanelSpec, gridPos: GrafanaPanel['gridPos']): GrafanaPanel {
  const thresholds = [...(spec.thresholds ?? [])].sort((a, b) => a[1] - b[1])
  return {
    id,
    type: 'timeseries',
    title: spec.title,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    ...(spec.runbook === undefined ? {} : { links: [{ title: `Runbook: ${spec.runbook.alert}`, url: spec.runbook.url, targetBlank: true }] }),
    datasource: DATASOURCE,
    gridPos,
    fieldConfig: {
      defaults: {
        unit: spec.unit,
        ...(spec.min === undefined ? {} : { min: spec.min }),
        ...(spec.max === undefined ? {} : { max: spec.max }),
        color: { mode: 'palette-classic' },
        custom: {
          drawStyle: 'line',
          lineWidth: 1,
          fillOpacity: 10,
          showPoints: 'never',
          spanNulls: false,
          thresholdsStyle: { mode: thresholds.length > 0 ? 'line' : 'off' },
        },
        thresholds: {
          mode: 'absolute',
          steps: [
            { color: 'green', value: null },
            ...thresholds.map(([severity, value]) => ({ color: SEVERITY_COLORS[severity], value })),
          ],
        },
      },
      overrides: [],
    },
    options: {
      legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
    targets: spec.targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DATASOURCE,
      expr: t.expr,
      legendFormat: t.legend,
      range: true,
    })),
  }
}

function legendOf(labels: readonly string[]): string {
  return labels.map((l) => `{{${l}}}`).join(' ') || '__auto'
}

/** The target of a measured value: the alert's own expression with its recording rules inline, so it works without them. */
function measured(measure: Measure, legendPrefix = ''): PanelSpec['targets'][number] {
  return { expr: inline(measure), legend: `${legendPrefix}${legendOf(measure.shows)}` }
}

/** A panel of an alerted value, with the thresholds of its alert as lines and a link to its runbook. */
function alerted(o: ResolvedAlertOptions, key: AlertKey, panel: Omit<PanelSpec, 'thresholds' | 'runbook'>): PanelSpec {
  const { alert } = alertCatalog[key]
  return { ...panel, thresholds: Object.entries(o.thresholds[key]) as [Severity, number][], runbook: { alert, url: runbookUrl(o.runbookBase, alert) } }
}

function apiPanels(o: ResolvedAlertOptions, m: Measures): PanelSpec[] {
  const n = prefixedNames(o.prefix).http
  const { selector: sel } = o
  const w = o.windows.rate
  const count = `${n.requestDuration}_count`
  return [
    { title: 'Requests per second by route', unit: 'reqps', targets: [{ expr: `sum by (route) (rate(${selector(count, sel)}[${w}]))`, legend: '{{route}}' }] },
    alerted(o, 'apiErrorRatio', {
      title: 'Error rate (5xx / all)',
      description: 'Share of requests answered with a 5xx status; lines at the alert thresholds.',
      unit: 'percentunit',
      min: 0,
      targets: [measured(m.apiErrorRatio)],
    }),
    alerted(o, 'apiLatencyP95Seconds', {
      title: 'Latency p95 / p99',
      unit: 's',
      min: 0,
      targets: [measured(m.apiLatencyP95Seconds, 'p95 '), measured(m.apiLatencyQuantile(0.99), 'p99 ')],
    }),
    { title: 'Responses per second by status', unit: 'reqps', targets: [{ expr: `sum by (status_code) (rate(${selector(count, sel)}[${w}]))`, legend: '{{status_code}}' }] },
    { title: 'Requests in flight', unit: 'short', min: 0, targets: [{ expr: `sum by (method) (${selector(n.activeRequests, sel)})`, legend: '{{method}}' }] },
    { title: 'Handler errors per second', unit: 'short', targets: [{ expr: `sum by (route, error) (rate(${selector(n.errors, sel)}[${w}]))`, legend: '{{route}} {{error}}' }] },
  ]
}

function webSocketPanels(o: ResolvedAlertOptions, m: Measures): PanelSpec[] {
  const n = prefixedNames(o.prefix).ws
  const { selector: sel } = o
  const w = o.windows.rate
  return [
    { title: 'Active connections', unit: 'short', min: 0, targets: [{ expr: `sum by (server) (${selector(n.connectionsActive, sel)})`, legend: '{{server}}' }] },
    alerted(o, 'wsFailureRatio', { title: 'Connection failures / attempts', unit: 'percentunit', min: 0, targets: [measured(m.wsFailureRatio)] }),
    {
      title: 'Connections opened and failed per second',
      unit: 'cps',
      targets: [
        { expr: `sum by (server) (rate(${selector(n.connectionsOpened, sel)}[${w}]))`, legend: 'opened {{server}}' },
        { expr: `sum by (server, reason) (rate(${selector(n.connectionFailures, sel)}[${w}]))`, legend: 'failed {{server}} {{reason}}' },
      ],
    },
    { title: 'Errors after the handshake per second', unit: 'short', targets: [{ expr: `sum by (server, code) (rate(${selector(n.errors, sel)}[${w}]))`, legend: '{{server}} {{code}}' }] },
    { title: 'Messages per second', unit: 'short', targets: [{ expr: `sum by (server, direction) (rate(${selector(n.messages, sel)}[${w}]))`, legend: '{{server}} {{direction}}' }] },
    {
      title: 'Message size p95',
      unit: 'bytes',
      targets: [{ expr: `histogram_quantile(0.95, sum by (direction, le) (rate(${selector(`${n.messageSize}_bucket`, sel)}[${w}])))`, legend: '{{direction}}' }],
    },
    {
      title: 'Connection duration p95',
      unit: 's',
      targets: [{ expr: `histogram_quantile(0.95, sum by (server, le) (rate(${selector(`${n.connectionDuration}_bucket`, sel)}[${w}])))`, legend: '{{server}}' }],
    },
    alerted(o, 'streamDurationSeconds', { title: 'Average streaming duration', unit: 's', min: 0, targets: [measured(m.streamDurationSeconds)] }),
    { title: 'Streams per second by outcome', unit: 'short', targets: [{ expr: `sum by (stream, outcome) (rate(${selector(`${n.streamDuration}_count`, sel)}[${w}]))`, legend: '{{stream}} {{outcome}}' }] },
  ]
}

function databasePanels(o: ResolvedAlertOptions, m: Measures): PanelSpec[] {
  const n = prefixedNames(o.prefix).pg
  const { selector: sel } = o
  const w = o.windows.rate
  const rate = (metric: string): string => `rate(${selector(metric, sel)}[${w}])`
  return [
    alerted(o, 'dbPoolUsageRatio', { title: 'Pool connections used / max', unit: 'percentunit', min: 0, max: 1, targets: [measured(m.dbPoolUsageRatio)] }),
    { title: 'Pool connections by state', unit: 'short', min: 0, targets: [{ expr: `sum by (pool, state) (${selector(n.poolConnections, sel)})`, legend: '{{pool}} {{state}}' }] },
    { title: 'Requests waiting for a client', unit: 'short', min: 0, targets: [{ expr: `sum by (pool) (${selector(n.poolWaitingRequests, sel)})`, legend: '{{pool}}' }] },
    alerted(o, 'dbQueryLatencySeconds', { title: 'Average query latency', unit: 's', min: 0, targets: [measured(m.dbQueryLatencySeconds)] }),
    {
      title: 'Query latency p95 by operation',
      unit: 's',
      targets: [{ expr: `histogram_quantile(0.95, sum by (pool, operation, le) (${rate(`${n.queryDuration}_bucket`)}))`, legend: '{{pool}} {{operation}}' }],
    },
    { title: 'Queries per second by outcome', unit: 'qps', targets: [{ expr: `sum by (pool, outcome) (${rate(`${n.queryDuration}_count`)})`, legend: '{{pool}} {{outcome}}' }] },
    { title: 'Slow queries per second', unit: 'qps', targets: [{ expr: `sum by (pool, operation) (${rate(n.slowQueries)})`, legend: '{{pool}} {{operation}}' }] },
    { title: 'Query errors per second', unit: 'short', targets: [{ expr: `sum by (pool, sqlstate_class) (${rate(n.queryErrors)})`, legend: '{{pool}} {{sqlstate_class}}' }] },
    { title: 'Transactions per second', unit: 'short', targets: [{ expr: `sum by (pool, outcome) (${rate(n.transactions)})`, legend: '{{pool}} {{outcome}}' }] },
    {
      title: 'Client acquire wait p95',
      unit: 's',
      targets: [{ expr: `histogram_quantile(0.95, sum by (pool, le) (${rate(`${n.poolAcquireDuration}_bucket`)}))`, legend: '{{pool}}' }],
    },
    { title: 'Pool errors per second', unit: 'short', targets: [{ expr: `sum by (pool) (${rate(n.poolErrors)})`, legend: '{{pool}}' }] },
  ]
}

function quotaPanels(o: ResolvedAlertOptions, m: Measures): PanelSpec[] {
  const n = prefixedNames(o.prefix).quota
  return [
    alerted(o, 'quotaLimitHits', { title: `Quota limit hits per ${o.windows.quota}`, unit: 'short', min: 0, targets: [measured(m.quotaLimitHits)] }),
    {
      title: 'Quota checks per second by outcome',
      unit: 'short',
      targets: [{ expr: `sum by (quota, outcome) (rate(${selector(n.checks, o.selector)}[${o.windows.rate}]))`, legend: '{{quota}} {{outcome}}' }],
    },
  ]
}

function systemPanels(o: ResolvedAlertOptions, m: Measures): PanelSpec[] {
  const names = prefixedNames(o.prefix)
  const n = names.system
  const sel = o.selector
  const ratio = (title: string, key: AlertKey): PanelSpec =>
    alerted(o, key, { title, unit: 'percentunit', min: 0, max: 1, targets: [measured(m[key])] })
  return [
    ratio('CPU utilization', 'cpuUtilizationRatio'),
    ratio('Memory utilization', 'memoryUtilizationRatio'),
    ratio('Disk utilization', 'diskUtilizationRatio'),
    {
      title: 'Network bytes per second',
      unit: 'Bps',
      targets: [{ expr: `sum by (instance, device, direction) (rate(${selector(n.networkIo, sel)}[${o.windows.rate}]))`, legend: '{{instance}} {{device}} {{direction}}' }],
    },
    {
      title: 'Instrumentation errors per second',
      description: 'Recording failures the metrics packages caught (the app was not affected).',
      unit: 'short',
      targets: [{ expr: `sum by (component) (rate(${selector(names.core.instrumentationErrors, sel)}[${o.windows.rate}]))`, legend: '{{component}}' }],
    },
  ]
}

function runtimePanels(o: ResolvedAlertOptions, m: Measures): PanelSpec[] {
  const n = prefixedNames(o.prefix).runtime
  const sel = o.selector
  const w = o.windows.rate
  const gauge = (metric: string, legend: string): PanelSpec['targets'][number] => ({ expr: selector(metric, sel), legend: `${legend} {{instance}}` })
  const rate = (metric: string, by: string[], legend: string): PanelSpec['targets'][number] => ({
    expr: `sum by (${['instance', ...by].join(', ')}) (rate(${selector(metric, sel)}[${w}]))`,
    legend: [legend, '{{instance}}', ...by.map((l) => `{{${l}}}`)].filter((part) => part !== '').join(' '),
  })
  const ratio = (title: string, key: AlertKey, description: string): PanelSpec =>
    alerted(o, key, { title, description, unit: 'percentunit', min: 0, max: 1, targets: [measured(m[key])] })
  return [
    alerted(o, 'eventLoopDelayP99Seconds', {
      title: 'Event loop delay',
      description: 'Percentiles and maximum of the delays sampled since the previous scrape; the lag line is one setImmediate measured at each scrape. The thresholds apply to p99.',
      unit: 's',
      min: 0,
      targets: [measured(m.eventLoopDelayP99Seconds, 'p99 '), gauge(n.eventLoopDelayP50, 'p50'), gauge(n.eventLoopDelayMax, 'max'), gauge(n.eventLoopDelay, 'lag')],
    }),
    ratio('Event loop utilization', 'eventLoopUtilizationRatio', 'Share of the time since the previous scrape the event loop was busy running code rather than waiting for events.'),
    ratio('Heap used / heap limit', 'heapUsageRatio', 'V8 heap used over the most it may grow to; at 1 the process dies of heap exhaustion.'),
    {
      title: 'Heap and resident memory',
      unit: 'bytes',
      min: 0,
      targets: [gauge(n.heapUsed, 'heap used'), gauge(n.heapTotal, 'heap total'), gauge(n.heapLimit, 'heap limit'), gauge(n.residentMemory, 'resident')],
    },
    {
      title: 'Time in garbage collection by kind',
      description: 'GC seconds per second: 0.1 is a tenth of the time spent collecting.',
      unit: 'percentunit',
      min: 0,
      targets: [rate(`${n.gcDuration}_sum`, ['kind'], '')],
    },
    { title: 'Garbage collections per second by kind', unit: 'short', min: 0, targets: [rate(`${n.gcDuration}_count`, ['kind'], '')] },
    {
      title: 'Process CPU',
      description: 'CPU seconds per second: 1 is one core busy.',
      unit: 'short',
      min: 0,
      targets: [rate(n.cpuSeconds, [], 'total'), rate(n.cpuUserSeconds, [], 'user'), rate(n.cpuSystemSeconds, [], 'system')],
    },
  ]
}

function checkBusinessPanels(value: unknown): BusinessPanel[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw optionError(PKG, 'businessPanels', 'an array of { title, expr }', value)
  return value.map((panel: unknown, i) => {
    const option = `businessPanels[${i}]`
    const p = checkObject<BusinessPanel>(option, panel)
    checkKeys(p, ['title', 'expr', 'legend', 'unit', 'description'], `${option}.`)
    const checked: BusinessPanel = {
      title: checkString(`${option}.title`, p.title, ''),
      expr: checkString(`${option}.expr`, p.expr, ''),
    }
    if (checked.title === '') throw optionError(PKG, `${option}.title`, 'a non-empty string', p.title)
    if (checked.expr === '') throw optionError(PKG, `${option}.expr`, 'a non-empty string', p.expr)
    if (p.legend !== undefined) checked.legend = checkString(`${option}.legend`, p.legend, '')
    if (p.unit !== undefined) checked.unit = checkString(`${option}.unit`, p.unit, 'short')
    if (p.description !== undefined) checked.description = checkString(`${option}.description`, p.description, '')
    return checked
  })
}
