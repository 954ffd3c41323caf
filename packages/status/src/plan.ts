import { allMetrics, metricCatalog, type MetricSpec } from '@intervai/metrics-catalog'
import { Family, type FamilyKind, type FamilySpec, type Matcher } from './family.js'
import type { FamiliesOf } from './sampler.js'
import type { Selection } from './selector.js'

const RUNTIME = metricCatalog.runtime

/**
 * The runtime metrics the page charts when something collects them: the catalog's runtime area
 * (`collectRuntimeMetrics` of `@intervai/metrics-system`; prom-client's default metrics use the
 * same names, less utilization and heap limit).
 */
export const runtimeMetrics = {
  eventLoopDelayP99: RUNTIME.eventLoopDelayP99.name,
  eventLoopDelay: RUNTIME.eventLoopDelay.name,
  eventLoopUtilization: RUNTIME.eventLoopUtilization.name,
  heapUsed: RUNTIME.heapUsed.name,
  heapTotal: RUNTIME.heapTotal.name,
  heapLimit: RUNTIME.heapLimit.name,
  residentMemory: RUNTIME.residentMemory.name,
  cpuUserSeconds: RUNTIME.cpuUserSeconds.name,
  cpuSystemSeconds: RUNTIME.cpuSystemSeconds.name,
  cpuSeconds: RUNTIME.cpuSeconds.name,
} as const

/** Auto-discovered business metrics charted at most. */
const MAX_DISCOVERED = 20

const FIVE_XX: Matcher = { label: 'status_code', op: '=~', value: '5..' }

/** A business selection, resolved to the family that reads it. */
export interface PlannedSelection {
  /** Id of the family that reads it. */
  readonly family: string
  readonly selection: Selection
  /** A counter's increase (a histogram's count), or a histogram's buckets and sum. */
  readonly kind: 'counter' | 'histogram'
  /** The label that splits it into lines. */
  readonly by: string | undefined
}

/** A metric the app registered that the catalog does not name, charted on its own. */
export interface DiscoveredMetric {
  readonly name: string
  readonly type: 'counter' | 'histogram'
  readonly family: string
}

/** What a sampler needs to know: every family, and which metrics feed which. */
export interface Plan {
  /** Rows of the sampler's history: enough for the longest family. */
  readonly capacity: number
  readonly families: Map<string, Family>
  readonly familiesOf: FamiliesOf
  /** The business metrics found so far, in the order first seen. */
  readonly discovered: DiscoveredMetric[]
}

/** Options of `buildPlan`. */
export interface PlanOptions {
  prefix: string
  intervalMs: number
  historyMs: number
  rateWindowMs: number
  quotaWindowMs: number
  maxRoutes: number
  maxLines: number
  /** Business selections, each read by its own family (`business.<n>`). */
  selections: readonly PlannedSelection[]
  discover: boolean
}

/**
 * The families the page reads: the catalog's metrics (named with the prefix), the runtime
 * metrics, the business selections, and (when `discover`) any other counter or histogram.
 */
export function buildPlan(options: PlanOptions): Plan {
  const { prefix, maxLines, maxRoutes } = options
  const specs: FamilySpec[] = []
  const add = (id: string, metric: MetricSpec | string | readonly string[], kind: FamilyKind, extra: Partial<FamilySpec> = {}): void => {
    const names =
      typeof metric === 'object' && 'name' in metric
        ? [prefix + metric.name]
        : [metric].flat().flatMap((name) => (prefix !== '' ? [prefix + name, name] : [name]))
    specs.push({ id, metrics: names, kind, limit: maxLines, ...extra })
  }
  const { http, ws, pg, quota, system } = metricCatalog
  add('http.requests', http.requestDuration, 'histogram')
  add('http.errors', http.requestDuration, 'counter', { where: [FIVE_XX] })
  add('http.active', http.activeRequests, 'gauge')
  add('http.routes', http.requestDuration, 'histogram', { by: ['method', 'route'], keep: 'rate', limit: maxRoutes })
  add('http.routeErrors', http.requestDuration, 'counter', { by: ['method', 'route'], where: [FIVE_XX], keep: 'rate', limit: maxRoutes })
  add('ws.active', ws.connectionsActive, 'gauge', { by: ['server'] })
  add('ws.opened', ws.connectionsOpened, 'counter', { by: ['server'] })
  add('ws.failures', ws.connectionFailures, 'counter', { by: ['server'] })
  add('ws.messages', ws.messages, 'counter', { by: ['direction'] })
  add('ws.streams', ws.streamDuration, 'histogram', { by: ['stream'] })
  add('pg.queries', pg.queryDuration, 'histogram', { by: ['pool'] })
  add('pg.used', pg.poolConnections, 'gauge', { by: ['pool'], where: [{ label: 'state', op: '=', value: 'used' }] })
  add('pg.max', pg.poolMaxConnections, 'gauge', { by: ['pool'] })
  add('pg.waiting', pg.poolWaitingRequests, 'gauge', { by: ['pool'] })
  add('pg.slow', pg.slowQueries, 'counter', { by: ['pool'] })
  add('pg.rollbacks', pg.transactions, 'counter', { by: ['pool'], where: [{ label: 'outcome', op: '=', value: 'rollback' }] })
  add('pg.errors', pg.queryErrors, 'counter', { by: ['pool'] })
  add('quota.hits', quota.limitHits, 'counter', { by: ['quota'], keep: 'quota' })
  add('system.cpu', system.cpuUtilization, 'gauge')
  add('system.memory', system.memoryUtilization, 'gauge')
  add('system.disk', system.filesystemUtilization, 'gauge', { by: ['mountpoint'] })
  add('system.network', system.networkIo, 'counter', { by: ['direction'] })
  add('runtime.lag', runtimeMetrics.eventLoopDelayP99, 'gauge', { combine: 'max' })
  // prom-client sets its lag percentiles in the collect() of nodejs_eventloop_lag_seconds, and
  // the CPU total in that of the user-time counter (prom-client/lib/metrics/eventLoopLag.js,
  // processCpuTotal.js): reading those runs it.
  add('runtime.lagNow', runtimeMetrics.eventLoopDelay, 'gauge', { combine: 'max' })
  add('runtime.elu', runtimeMetrics.eventLoopUtilization, 'gauge', { combine: 'max' })
  add('runtime.heapUsed', runtimeMetrics.heapUsed, 'gauge')
  add('runtime.heapTotal', runtimeMetrics.heapTotal, 'gauge')
  add('runtime.heapLimit', runtimeMetrics.heapLimit, 'gauge')
  add('runtime.rss', runtimeMetrics.residentMemory, 'gauge')
  add('runtime.cpu', [runtimeMetrics.cpuUserSeconds, runtimeMetrics.cpuSystemSeconds], 'counter')
  for (const planned of options.selections) specs.push(selectionSpec(planned, prefix, maxLines))

  // Rows to span a window: one per interval, one for its start, one spare for timer drift.
  const rows = (ms: number): number => Math.ceil(ms / options.intervalMs) + 2
  const keep = { history: rows(Math.max(options.historyMs, options.rateWindowMs)), rate: rows(options.rateWindowMs), quota: rows(options.quotaWindowMs) }
  const capacity = Math.max(keep.history, keep.quota)
  const families = new Map<string, Family>()
  const byMetric = new Map<string, Family[]>()
  for (const spec of specs) {
    const family = new Family(spec, keep[spec.keep ?? 'history'])
    families.set(spec.id, family)
    for (const name of spec.metrics) {
      const list = byMetric.get(name) ?? []
      list.push(family)
      byMetric.set(name, list)
    }
  }

  const known = new Set<string>([...allMetrics().map((m) => prefix + m.name), ...byMetric.keys()])
  const discovered: DiscoveredMetric[] = []
  const familiesOf: FamiliesOf = (name, type) => {
    const planned = byMetric.get(name)
    if (planned !== undefined) return planned.filter((f) => f.spec.kind !== 'histogram' || type === 'histogram')
    if (!options.discover || known.has(name) || isDefaultMetric(name, prefix) || type === 'gauge' || discovered.length >= MAX_DISCOVERED) return []
    const id = `discovered.${name}`
    const family = new Family({ id, metrics: [name], kind: type, limit: maxLines }, keep.history)
    families.set(id, family)
    discovered.push({ name, type, family: id })
    return [family]
  }
  return { capacity, families, familiesOf, discovered }
}

/** The family of a business selection: the metric with the prefix in front first, then as written. */
function selectionSpec({ family, selection, kind, by }: PlannedSelection, prefix: string, maxLines: number): FamilySpec {
  const names = prefix !== '' && !selection.metric.startsWith(prefix) ? [prefix + selection.metric, selection.metric] : [selection.metric]
  return { id: family, metrics: names, kind, where: selection.matchers, by: by === undefined ? [] : [by], limit: maxLines }
}

/** prom-client's default metrics (and ours of the runtime issue): charted by the runtime group, never as business. */
function isDefaultMetric(name: string, prefix: string): boolean {
  const bare = prefix !== '' && name.startsWith(prefix) ? name.slice(prefix.length) : name
  return bare.startsWith('process_') || bare.startsWith('nodejs_')
}
