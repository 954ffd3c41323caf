import perfHooks, {
  performance,
  type IntervalHistogram,
  type PerformanceEntry,
  type PerformanceObserver,
  type PerformanceObserverCallback,
  type PerformanceObserverEntryList,
} from 'node:perf_hooks'
import { getHeapStatistics } from 'node:v8'
import { buckets, metricCatalog } from '@intervai/metrics-catalog'
import type { Gauge, Metrics, MetricsOptions } from '@intervai/metrics-core'
import { check, instrumentOnce, patchMethod, resolvePackageOptions, sampleGauge, sharedState, undoAll } from '@intervai/metrics-core/internal'
import client, { type Metric } from 'prom-client'
import { PKG } from './options.js'

/** The `component` label under which caught runtime reading failures are counted. */
const RUNTIME_COMPONENT = 'runtime'

const RUNTIME = metricCatalog.runtime

/** A prom-client metric as a registry holds it (prom-client's types leave out its name). */
type RegisteredMetric = Metric & { readonly name: string }

/** Options of `collectRuntimeMetrics`. */
export interface RuntimeMetricsOptions extends MetricsOptions {
  /**
   * Sampling interval of the event loop delay monitor behind `nodejs_eventloop_lag_*_seconds`, in
   * milliseconds (prom-client's `eventLoopMonitoringPrecision`, Node's `monitorEventLoopDelay({ resolution })`).
   * @default 10
   */
  eventLoopMonitoringPrecision?: number
  /**
   * Bucket upper bounds of `nodejs_gc_duration_seconds`, in seconds.
   * @default [0.001, 0.01, 0.1, 1, 2, 5]
   */
  gcDurationBuckets?: readonly number[]
}

/** What `collectRuntimeMetrics` returns. */
export interface RuntimeMetricsHandle {
  /**
   * Gives this handle's share back; the last one stops the event loop delay monitor and the GC
   * observer and removes every runtime metric from the registry. Idempotent.
   */
  close(): void
}

const SPEC = {
  eventLoopMonitoringPrecision: check.integer(10, 1, 60_000),
  gcDurationBuckets: check.buckets(buckets.gcDuration),
}

type ResolvedRuntimeOptions = ReturnType<typeof resolveRuntimeOptions>

function resolveRuntimeOptions(options: unknown) {
  return resolvePackageOptions(PKG, options, SPEC)
}

/**
 * Serves the Node.js runtime metrics: prom-client's default metrics (`process_*`, `nodejs_*`:
 * CPU, memory, heap and heap spaces, GC durations, event loop delay percentiles, handles) with the
 * prefix and default labels of `metrics`, plus `nodejs_eventloop_utilization_ratio` (the share
 * of the time since the previous scrape the event loop was busy) and `nodejs_heap_size_limit_bytes`.
 *
 * One collection per registry and prefix: a second call shares the first (a warning when its
 * options differ). A metric of that name already on the registry (prom-client's
 * `collectDefaultMetrics()` called directly) is an error. A bad option throws a TypeError naming it.
 */
export function collectRuntimeMetrics(options: RuntimeMetricsOptions = {}): RuntimeMetricsHandle {
  const resolved = resolveRuntimeOptions(options)
  const { metrics } = resolved
  // The registry and prefix are what collide, not the Metrics object: two objects on one
  // registry share one collection.
  const target = sharedState(metrics.registry, `${PKG}:runtime:${metrics.prefix}`, () => ({}))
  const claim = instrumentOnce(PKG, target, identityOf(resolved), () => new RuntimeCollection(resolved))
  return { close: () => claim.release() }
}

function identityOf({ metrics, eventLoopMonitoringPrecision, gcDurationBuckets }: ResolvedRuntimeOptions): unknown[] {
  return [JSON.stringify(metrics.defaultLabels), eventLoopMonitoringPrecision, String(gcDurationBuckets)]
}

const GAUGES_NAMED_TOTAL = new Set(['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])

/** One registry's runtime metrics, and everything to undo them. */
class RuntimeCollection {
  private readonly undos: Array<() => void> = []

  constructor(options: ResolvedRuntimeOptions) {
    const { metrics } = options
    try {
      this.addDefaultMetrics(options)
      const fail = (error: unknown): void => metrics.recordError(RUNTIME_COMPONENT, error)
      let previous = performance.eventLoopUtilization()
      this.sample(metrics, RUNTIME.eventLoopUtilization, fail, () => {
        const now = performance.eventLoopUtilization()
        const { utilization } = performance.eventLoopUtilization(now, previous)
        previous = now
        return utilization
      })
      this.sample(metrics, RUNTIME.heapLimit, fail, () => getHeapStatistics().heap_size_limit)
    } catch (error) {
      this.close()
      throw error
    }
  }

  close(): void {
    undoAll(this.undos)
  }

  /**
   * prom-client's default metrics, made on a registry of their own first so that a clash is
   * found before anything lands on ours. prom-client keeps no handle on the event loop delay
   * monitor and the GC observer it starts (prom-client/lib/metrics/eventLoopLag.js, gc.js) and
   * offers no way to stop them, so both are caught as they are made, to be stopped on close.
   */
  private addDefaultMetrics({ metrics, eventLoopMonitoringPrecision, gcDurationBuckets }: ResolvedRuntimeOptions): void {
    const own = new client.Registry()
    const { monitors, observers } = this.capturingStarts(() =>
      client.collectDefaultMetrics({
        register: own,
        prefix: metrics.prefix,
        labels: { ...metrics.defaultLabels },
        eventLoopMonitoringPrecision,
        gcDurationBuckets: [...gcDurationBuckets],
      }),
    )
    // prom-client also serves the handle, request and resource counts as gauges named `*_total`,
    // which `promtool check metrics` rejects (a `_total` name is a counter's); the same counts
    // by type stay, under `nodejs_active_handles` and the like.
    const made = (own.getMetricsAsArray() as unknown as RegisteredMetric[]).filter((metric) => !GAUGES_NAMED_TOTAL.has(metric.name.slice(metrics.prefix.length)))
    warnIfUncaught(metrics, made, monitors.length, observers.length)
    const registry = metrics.registry
    for (const metric of made) {
      if (registry.getSingleMetric(metric.name) !== undefined) {
        throw new Error(
          `${PKG}: metric "${metric.name}" is already on the registry (was prom-client's collectDefaultMetrics() called on it?); collectRuntimeMetrics() serves it, so call only one of them`,
        )
      }
    }
    for (const metric of made) {
      registry.registerMetric(metric)
      this.undos.push(() => {
        if (registry.getSingleMetric(metric.name) === metric) registry.removeSingleMetric(metric.name)
      })
    }
    // Every GC kind from the first scrape, so a rate over them is 0 rather than "no data".
    const gc = own.getSingleMetric(metrics.prefix + RUNTIME.gcDuration.name) as client.Histogram<string> | undefined
    for (const kind of RUNTIME.gcDuration.knownValues.kind) gc?.zero({ ...metrics.defaultLabels, kind })
  }

  /** Runs `start`, keeping every event loop delay monitor and performance observer it makes, to stop them on close. */
  private capturingStarts(start: () => void): { monitors: IntervalHistogram[]; observers: PerformanceObserver[] } {
    const monitors: IntervalHistogram[] = []
    const observers: PerformanceObserver[] = []
    // Both are read off the module object at call time, as prom-client does (`perf_hooks.monitorEventLoopDelay(...)`).
    const hooks = perfHooks as { -readonly [K in keyof typeof perfHooks]: (typeof perfHooks)[K] }
    const patches = [
      patchMethod(hooks, 'monitorEventLoopDelay', (original) => (...args) => {
        const monitor = original(...args)
        monitors.push(monitor)
        this.undos.push(() => void monitor.disable())
        return monitor
      }),
      patchMethod(hooks, 'PerformanceObserver', (Original) => {
        const undos = this.undos
        return class extends Original {
          constructor(callback: PerformanceObserverCallback) {
            // prom-client records only the first entry of each delivery (prom-client/lib/metrics/gc.js:
            // `list.getEntries()[0]`), and V8 collects in bursts that arrive as one delivery: hand
            // it the entries one at a time, so every collection is counted.
            super((list, observer) => {
              for (const entry of list.getEntries()) callback(entryList(entry), observer)
            })
            observers.push(this)
            undos.push(() => this.disconnect())
          }
        }
      }),
    ]
    try {
      start()
    } finally {
      undoAll(patches)
    }
    return { monitors, observers }
  }

  /** Our own gauge, read at every scrape; on close its series goes and the gauge leaves the registry. */
  private sample(metrics: Metrics, spec: (typeof RUNTIME)['eventLoopUtilization' | 'heapLimit'], fail: (error: unknown) => void, read: () => number): void {
    const gauge: Gauge = metrics.gauge(spec)
    const release = sampleGauge(gauge, [], read, fail)
    this.undos.push(() => {
      release()
      if (metrics.registry.getSingleMetric(gauge.name) === (gauge as unknown)) metrics.registry.removeSingleMetric(gauge.name)
    })
  }
}

/** A delivery of one performance entry. */
function entryList(entry: PerformanceEntry): PerformanceObserverEntryList {
  const one = [entry]
  return {
    getEntries: () => one,
    getEntriesByName: (name: string, type?: string) => one.filter((e) => e.name === name && (type === undefined || e.entryType === type)),
    getEntriesByType: (type: string) => one.filter((e) => e.entryType === type),
  } as PerformanceObserverEntryList
}

// prom-client made a monitor or an observer we did not see: close() could not stop it.
function warnIfUncaught(metrics: Metrics, made: RegisteredMetric[], monitors: number, observers: number): void {
  const has = (name: string): boolean => made.some((m) => m.name === metrics.prefix + name)
  const missed = [
    ...(has(RUNTIME.eventLoopDelayP99.name) && monitors === 0 ? ['event loop delay monitor'] : []),
    ...(has(RUNTIME.gcDuration.name) && observers === 0 ? ['GC observer'] : []),
  ]
  if (missed.length === 0) return
  process.emitWarning(`${PKG}: prom-client started a ${missed.join(' and a ')} this version cannot stop; close() leaves it running`, {
    type: 'IntervAIMetricsWarning',
    code: 'INTERVAI_METRICS_RUNTIME_UNSTOPPABLE',
  })
}
