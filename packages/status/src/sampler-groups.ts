import type { Severity } from '@intervai/metrics-catalog'
import type { AlertRule, Measured } from './alert-states.js'
import type { StatusChart, StatusGroup, StatusLine, StatusStat, StatusTable } from './data.js'
import type { Signal } from './family.js'
import type { ResolvedBusinessPanel } from './options.js'
import { charts, groups, rounded, ROUTE_ROWS, routeColumns, stats, type ChartId, type GroupId, type StatId } from './panels.js'
import type { DiscoveredMetric } from './plan.js'
import { labelOf, type SamplerView } from './sampler-view.js'

/** What the groups need besides the view. */
export interface GroupContext {
  readonly rules: readonly AlertRule[]
  readonly business: readonly ResolvedBusinessPanel[]
  readonly discovered: readonly DiscoveredMetric[]
}

/** The thresholds of an alert, highest severity first, to draw across its chart. */
export function thresholdsOf(rules: readonly AlertRule[], key: string | undefined): { severity: Severity; value: number }[] {
  return key === undefined ? [] : rules.filter((r) => r.key === key).map((r) => ({ severity: r.severity, value: r.threshold }))
}

/**
 * The measured values of an alert at the newest row, one per label set, as its Prometheus rule
 * computes them (the alerts package's `measures`): ratios and averages over the rate window,
 * pool usage and host gauges as they are, quota hits over the quota window.
 */
export function measure(view: SamplerView, key: string, quotaWindowMs: number): Measured[] {
  const r = view.reader
  const k = view.last
  if (k < 0) return []
  const one = (value: number): Measured[] => (Number.isNaN(value) ? [] : [{ labels: {}, value }])
  const each = (id: string, value: (s: Signal) => number): Measured[] =>
    view.signals(id).flatMap((s) => {
      const v = value(s)
      return Number.isNaN(v) ? [] : [{ labels: { ...s.labels }, value: v }]
    })
  const requests = view.signal('http.requests')
  switch (key) {
    case 'apiErrorRatio':
      return requests === undefined ? [] : one(r.ratioAt(view.signal('http.errors'), requests, k))
    case 'apiLatencyP95Seconds':
      return requests === undefined ? [] : one(r.quantileAt(requests, 0.95, k))
    case 'wsFailureRatio': {
      const servers = new Set([...view.signals('ws.opened'), ...view.signals('ws.failures')].map((s) => s.key))
      return [...servers].flatMap((server) => {
        const failures = view.signal('ws.failures', server)
        const opened = view.signal('ws.opened', server)
        const value = r.ratioAt(failures, opened, k, true)
        return Number.isNaN(value) ? [] : [{ labels: { ...(failures ?? opened)?.labels }, value }]
      })
    }
    case 'streamDurationSeconds':
      return each('ws.streams', (s) => r.averageAt(s, k))
    case 'dbPoolUsageRatio':
      return each('pg.max', (max) => {
        const used = view.signal('pg.used', max.key)
        const capacity = r.valueAt(max, k)
        return used === undefined || !(capacity > 0) ? Number.NaN : r.valueAt(used, k) / capacity
      })
    case 'dbQueryLatencySeconds':
      return each('pg.queries', (s) => r.averageAt(s, k))
    case 'quotaLimitHits':
      return each('quota.hits', (s) => r.increaseAt(s, k, quotaWindowMs)?.increase ?? Number.NaN)
    case 'cpuUtilizationRatio':
      return each('system.cpu', (s) => r.valueAt(s, k))
    case 'memoryUtilizationRatio':
      return each('system.memory', (s) => r.valueAt(s, k))
    case 'diskUtilizationRatio':
      return each('system.disk', (s) => r.valueAt(s, k))
    case 'eventLoopDelayP99Seconds':
      return each('runtime.lag', (s) => r.valueAt(s, k))
    case 'eventLoopUtilizationRatio':
      return each('runtime.elu', (s) => r.valueAt(s, k))
    case 'heapUsageRatio':
      return each('runtime.heapLimit', (limit) => heapUsageAt(view, limit, k))
    default:
      // An alert of the catalog this version of the page does not measure yet.
      return []
  }
}

/** Every group of the page, from the sampler's families. */
export function samplerGroups(view: SamplerView, context: GroupContext, quotaWindowMs: number): StatusGroup[] {
  const r = view.reader
  const chart = (id: ChartId, lines: StatusLine[]): StatusChart => {
    const meta = charts[id] as { title: string; unit: StatusChart['unit']; alert?: string; description?: string }
    return { id, title: meta.title, unit: meta.unit, description: meta.description, lines, thresholds: thresholdsOf(context.rules, meta.alert) }
  }
  const stat = (id: StatId, value: number): StatusStat => ({ id, label: stats[id].label, unit: stats[id].unit, value: rounded(value) })
  const group = (id: GroupId, available: boolean, parts: Partial<Pick<StatusGroup, 'stats' | 'charts' | 'tables'>>): StatusGroup => ({
    id,
    title: groups[id].title,
    available,
    ...(available ? {} : { hint: groups[id].hint }),
    stats: parts.stats ?? [],
    charts: parts.charts ?? [],
    tables: parts.tables ?? [],
  })
  const gauge = (s: Signal, k: number): number => r.valueAt(s, k)
  const rate = (per = 1) => (s: Signal, k: number): number => r.rateAt(s, k, per)
  const k = view.last
  const requests = view.signal('http.requests')

  const api = group('api', view.has('http.requests', 'http.active'), {
    stats: [
      stat('api.requests', view.raw('http.requests')),
      stat('api.errors', view.has('http.requests') ? (Number.isNaN(view.raw('http.errors')) ? 0 : view.raw('http.errors')) : Number.NaN),
      stat('api.inFlight', view.latest('http.active', gauge)),
      stat('api.rps', requests === undefined ? Number.NaN : r.rateAt(requests, k)),
      stat('api.errorRatio', requests === undefined ? Number.NaN : r.ratioAt(view.signal('http.errors'), requests, k)),
      stat('api.p95', requests === undefined ? Number.NaN : r.quantileAt(requests, 0.95, k)),
    ],
    charts: [
      chart('api.rps', view.lines('http.requests', (s, i) => r.rateAt(s, i), 'requests')),
      chart('api.errorRatio', requests === undefined ? [] : [{ label: '5xx', values: view.series((i) => r.ratioAt(view.signal('http.errors'), requests, i)) }]),
      chart(
        'api.latency',
        requests === undefined ? [] : [0.5, 0.95, 0.99].map((q) => ({ label: `p${Math.round(q * 100)}`, values: view.series((i) => r.quantileAt(requests, q, i)) })),
      ),
    ],
    tables: routeTables(view),
  })

  const servers = [...new Set([...view.signals('ws.opened'), ...view.signals('ws.failures')].map((s) => s.key))]
  const websocket = group('websocket', view.has('ws.active', 'ws.opened', 'ws.failures', 'ws.messages', 'ws.streams'), {
    stats: [
      stat('websocket.active', view.latest('ws.active', gauge)),
      stat('websocket.opened', view.raw('ws.opened')),
      stat('websocket.failures', view.has('ws.opened') && !view.has('ws.failures') ? 0 : view.raw('ws.failures')),
      stat('websocket.messages', view.raw('ws.messages')),
      stat('websocket.streams', view.raw('ws.streams')),
    ],
    charts: [
      chart('websocket.active', view.lines('ws.active', gauge, 'connections')),
      chart(
        'websocket.failureRatio',
        servers.map((server) => {
          const failures = view.signal('ws.failures', server)
          const opened = view.signal('ws.opened', server)
          return { label: labelOf((failures ?? opened) as Signal, 'failures'), values: view.series((i) => r.ratioAt(failures, opened, i, true)) }
        }),
      ),
      chart('websocket.messages', view.lines('ws.messages', rate())),
      chart('websocket.streamDuration', view.lines('ws.streams', (s, i) => r.averageAt(s, i))),
    ],
  })

  const poolUsage = (max: Signal, i: number): number => {
    const used = view.signal('pg.used', max.key)
    const capacity = r.valueAt(max, i)
    return used === undefined || !(capacity > 0) ? Number.NaN : r.valueAt(used, i) / capacity
  }
  const database = group('database', view.has('pg.queries', 'pg.used', 'pg.max'), {
    stats: [
      stat('database.queries', view.raw('pg.queries')),
      stat('database.inUse', view.latest('pg.used', gauge)),
      stat('database.waiting', view.latest('pg.waiting', gauge)),
      stat('database.slow', view.has('pg.queries') && !view.has('pg.slow') ? 0 : view.raw('pg.slow')),
      stat('database.rollbacks', view.has('pg.queries') && !view.has('pg.rollbacks') ? 0 : view.raw('pg.rollbacks')),
      stat('database.errors', view.has('pg.queries') && !view.has('pg.errors') ? 0 : view.raw('pg.errors')),
    ],
    charts: [
      chart('database.p95', view.lines('pg.queries', (s, i) => r.quantileAt(s, 0.95, i))),
      chart('database.average', view.lines('pg.queries', (s, i) => r.averageAt(s, i))),
      chart('database.poolUsage', view.lines('pg.max', poolUsage)),
      chart('database.waiting', view.lines('pg.waiting', gauge)),
      chart('database.slow', view.has('pg.slow') ? view.lines('pg.slow', rate(60)) : zeroLines(view, 'pg.queries', (s, i) => r.rateAt(s, i))),
      chart('database.rollbacks', view.has('pg.rollbacks') ? view.lines('pg.rollbacks', rate(60)) : zeroLines(view, 'pg.queries', (s, i) => r.rateAt(s, i))),
    ],
  })

  const quota = group('quota', view.has('quota.hits'), {
    stats: [stat('quota.hits', view.raw('quota.hits'))],
    charts: [chart('quota.hits', view.lines('quota.hits', (s, i) => r.increaseAt(s, i, quotaWindowMs)?.increase ?? Number.NaN))],
  })

  const system = group('system', view.has('system.cpu', 'system.memory', 'system.disk', 'system.network'), {
    stats: [
      stat('system.cpu', view.latest('system.cpu', gauge)),
      stat('system.memory', view.latest('system.memory', gauge)),
      stat('system.disk', view.latest('system.disk', gauge, 'max')),
      stat('system.receive', rateOf(view, 'system.network', 'receive')),
      stat('system.transmit', rateOf(view, 'system.network', 'transmit')),
    ],
    charts: [
      chart('system.cpu', view.lines('system.cpu', gauge, 'cpu')),
      chart('system.memory', view.lines('system.memory', gauge, 'memory')),
      chart('system.disk', view.lines('system.disk', gauge)),
      chart('system.network', view.lines('system.network', rate())),
    ],
  })

  const runtimeCharts: StatusChart[] = []
  if (view.has('runtime.lag')) runtimeCharts.push(chart('runtime.eventLoopDelay', view.lines('runtime.lag', gauge, 'p99')))
  if (view.has('runtime.elu')) runtimeCharts.push(chart('runtime.eventLoopUtilization', view.lines('runtime.elu', gauge, 'utilization')))
  if (view.has('runtime.heapUsed', 'runtime.heapTotal', 'runtime.rss')) {
    runtimeCharts.push(
      chart('runtime.memory', [
        ...view.lines('runtime.heapUsed', gauge, 'heap used'),
        ...view.lines('runtime.heapTotal', gauge, 'heap total'),
        ...view.lines('runtime.heapLimit', gauge, 'heap limit'),
        ...view.lines('runtime.rss', gauge, 'resident'),
      ]),
    )
  }
  if (view.has('runtime.heapLimit')) runtimeCharts.push(chart('runtime.heapUsage', view.lines('runtime.heapLimit', (s, i) => heapUsageAt(view, s, i), 'heap')))
  if (view.has('runtime.cpu')) runtimeCharts.push(chart('runtime.cpu', view.lines('runtime.cpu', rate(), 'cpu')))
  const runtime = group('runtime', runtimeCharts.length > 0, {
    stats: [
      ...(view.has('runtime.lag') ? [stat('runtime.eventLoopDelay', view.latest('runtime.lag', gauge, 'max'))] : []),
      ...(view.has('runtime.elu') ? [stat('runtime.eventLoopUtilization', view.latest('runtime.elu', gauge, 'max'))] : []),
      ...(view.has('runtime.heapUsed') ? [stat('runtime.heapUsed', view.latest('runtime.heapUsed', gauge))] : []),
      ...(view.has('runtime.rss') ? [stat('runtime.rss', view.latest('runtime.rss', gauge))] : []),
    ],
    charts: runtimeCharts,
  })

  return [api, websocket, database, quota, system, runtime, businessGroup(view, context)]
}

/** Heap used over the heap limit of the same process at row `k`, as `NodejsHighHeapUsage` measures it. */
function heapUsageAt(view: SamplerView, limit: Signal, k: number): number {
  const used = view.signal('runtime.heapUsed', limit.key)
  const capacity = view.reader.valueAt(limit, k)
  return used === undefined || !(capacity > 0) ? Number.NaN : view.reader.valueAt(used, k) / capacity
}

/** Zero lines beside a family that has data: a counter nobody incremented yet (no slow query so far) is 0, not "no data". */
function zeroLines(view: SamplerView, id: string, activity: (s: Signal, k: number) => number): StatusLine[] {
  return view.signals(id).map((s) => ({ label: labelOf(s, ''), values: view.series((k) => (Number.isNaN(activity(s, k)) ? Number.NaN : 0)) }))
}

function rateOf(view: SamplerView, id: string, key: string): number {
  const signal = view.signal(id, key)
  return signal === undefined ? Number.NaN : view.reader.rateAt(signal, view.last)
}

/** The slowest and the most failing routes over the rate window, from the per-route families. */
function routeTables(view: SamplerView): StatusTable[] {
  const r = view.reader
  const k = view.last
  const rows = view.signals('http.routes').flatMap((s) => {
    const rps = r.rateAt(s, k)
    if (!(rps > 0)) return []
    return [
      {
        method: s.labels.method ?? '',
        route: s.labels.route ?? '',
        rps: rounded(rps),
        errorRatio: rounded(r.ratioAt(view.signal('http.routeErrors', s.key), s, k)),
        p95: rounded(r.quantileAt(s, 0.95, k)),
        average: rounded(r.averageAt(s, k)),
      },
    ]
  })
  const by = (column: 'p95' | 'errorRatio') => (a: (typeof rows)[number], b: (typeof rows)[number]): number =>
    (b[column] ?? -1) - (a[column] ?? -1) || (b.rps ?? 0) - (a.rps ?? 0) || a.route.localeCompare(b.route)
  const columns = routeColumns.map((c) => ({ ...c }))
  return [
    { id: 'api.slowest', title: 'Slowest routes', columns, rows: [...rows].sort(by('p95')).slice(0, ROUTE_ROWS) },
    { id: 'api.failing', title: 'Most failing routes', columns, rows: rows.filter((row) => (row.errorRatio ?? 0) > 0).sort(by('errorRatio')).slice(0, ROUTE_ROWS) },
  ]
}

/** The configured business panels, then a panel per discovered counter (rate per minute) and histogram (average). */
function businessGroup(view: SamplerView, context: GroupContext): StatusGroup {
  const r = view.reader
  const k = view.last
  const out: StatusChart[] = []
  const statsOut: StatusStat[] = []
  context.business.forEach((panel, i) => {
    const id = `business.${i}`
    let lines: StatusLine[] = []
    const v = panel.value
    if (v.kind === 'rate') {
      lines = view.lines(v.family, (s, j) => r.rateAt(s, j, v.per), panel.title)
    } else if (v.kind === 'average') lines = view.lines(v.family, (s, j) => r.averageAt(s, j), panel.title)
    else {
      const keys = new Set([...view.signals(v.numerator), ...view.signals(v.denominator)].map((s) => s.key))
      lines = [...keys].map((key) => {
        const numerator = view.signal(v.numerator, key)
        const denominator = view.signal(v.denominator, key)
        return { label: labelOf((denominator ?? numerator) as Signal, panel.title), values: view.series((j) => r.ratioAt(numerator, denominator, j)) }
      })
    }
    const chart: StatusChart = { id, title: panel.title, unit: panel.unit, lines, thresholds: [] }
    if (panel.description !== undefined) chart.description = panel.description
    out.push(chart)
    const latest = lines.length === 1 ? (lines[0]?.values.at(-1) ?? null) : null
    if (lines.length === 1) statsOut.push({ id, label: panel.title, unit: panel.unit, value: latest })
  })
  for (const metric of context.discovered) {
    const signal = view.signal(metric.family)
    if (signal === undefined) continue
    const id = `business.${metric.name}`
    if (metric.type === 'counter') {
      out.push({ id, title: `${metric.name} per minute`, unit: 'perMinute', lines: [{ label: metric.name, values: view.series((j) => r.rateAt(signal, j, 60)) }], thresholds: [] })
      statsOut.push({ id, label: metric.name, unit: 'count', value: rounded(view.raw(metric.family)) })
    } else {
      out.push({ id, title: `${metric.name} average`, unit: 'count', lines: [{ label: metric.name, values: view.series((j) => r.averageAt(signal, j)) }], thresholds: [] })
      statsOut.push({ id, label: `${metric.name} (count)`, unit: 'count', value: rounded(view.raw(metric.family)) })
    }
  }
  return {
    id: 'business',
    title: groups.business.title,
    available: out.length > 0 && k >= 0,
    ...(out.length > 0 ? {} : { hint: groups.business.hint }),
    stats: statsOut,
    charts: out,
    tables: [],
  }
}
