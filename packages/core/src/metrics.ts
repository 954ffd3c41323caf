import { metricCatalog, optionError } from '@intervai/metrics-catalog'
import client, { type Registry } from 'prom-client'
import { boundedLabel } from './bounded.js'
import { Counter, type CounterSeries } from './counter.js'
import { contentTypeOf, negotiateFormat, type ExpositionFormat } from './exposition.js'
import { Gauge } from './gauge.js'
import { Histogram } from './histogram.js'
import { OWN_METRIC, type MetricDefinition, type MetricParams } from './metric.js'
import { checkBuckets, checkLabelNames, checkLabelValues, checkMetricName, checkPrefix } from './options.js'
import { renderRegistry } from './render.js'
import { metricsHandler, serveMetrics, type Exposition, type HandlerOptions, type MetricsServer, type ServeOptions } from './server.js'

const PKG = '@intervai/metrics-core'

/** Options of `createMetrics`. */
export interface CreateMetricsOptions {
  /** Put in front of every metric name, e.g. `'myapp_'`. @default '' */
  prefix?: string
  /** The prom-client registry the metrics live in. @default prom-client's global `register` */
  registry?: Registry
  /** Labels added to every metric created through this object, e.g. `{ service: 'api' }`. @default {} */
  defaultLabels?: Record<string, string>
  /**
   * Called when a recording failure is caught (after it is counted). By default the first
   * failure of each component is printed once with `process.emitWarning`.
   */
  onError?: (error: unknown, component: string) => void
}

/** A histogram definition: the bucket upper bounds (increasing). */
export interface HistogramDefinition<L extends string> extends MetricDefinition<L> {
  buckets: readonly number[]
}

const INSTRUMENTATION_ERRORS = metricCatalog.core.instrumentationErrors

type OwnMetric = Counter | Gauge | Histogram

/**
 * One app's metrics: get-or-create metrics on a shared prom-client registry, safe recording,
 * and exposition. Every package takes one of these as its `metrics` option.
 */
export class Metrics {
  readonly registry: Registry
  readonly prefix: string
  readonly defaultLabels: Readonly<Record<string, string>>
  private readonly errors: Counter<'component'>
  private readonly components = boundedLabel({ limit: 30 })
  private readonly errorSeries = new Map<string, CounterSeries>()
  private readonly warned = new Set<string>()
  private readonly onError: ((error: unknown, component: string) => void) | undefined
  private readonly coreError = (error: unknown): void => this.recordError('core', error)

  constructor(options: CreateMetricsOptions = {}) {
    if (typeof options !== 'object' || options === null) throw optionError(PKG, 'options', 'an object', options)
    this.prefix = options.prefix === undefined ? '' : checkPrefix(PKG, 'prefix', options.prefix)
    const registry = options.registry ?? client.register
    if (typeof registry !== 'object' || registry === null || typeof registry.getSingleMetric !== 'function') {
      throw optionError(PKG, 'registry', 'a prom-client Registry', options.registry)
    }
    this.registry = registry
    this.defaultLabels = Object.freeze(checkLabelValues(PKG, 'defaultLabels', options.defaultLabels))
    if (options.onError !== undefined && typeof options.onError !== 'function') {
      throw optionError(PKG, 'onError', 'a function', options.onError)
    }
    this.onError = options.onError
    this.errors = this.counter(INSTRUMENTATION_ERRORS)
  }

  /** Gets or creates a counter. Same name, type and labels returns the same counter. */
  counter<L extends string = string>(definition: MetricDefinition<L>): Counter<L> {
    return this.getOrCreate('counter', definition, undefined, (params) => new Counter<L>(params)) as Counter<L>
  }

  /** Gets or creates a gauge. Same name, type and labels returns the same gauge. */
  gauge<L extends string = string>(definition: MetricDefinition<L>): Gauge<L> {
    return this.getOrCreate('gauge', definition, undefined, (params) => new Gauge<L>(params)) as Gauge<L>
  }

  /** Gets or creates a histogram. Same name, labels and buckets returns the same histogram. */
  histogram<L extends string = string>(definition: HistogramDefinition<L>): Histogram<L> {
    const buckets = checkBuckets(PKG, 'buckets', definition?.buckets)
    return this.getOrCreate('histogram', definition, buckets, (params) => new Histogram<L>({ ...params, buckets })) as Histogram<L>
  }

  /**
   * Counts a caught recording failure in `instrumentation_errors_total{component}`. Never throws.
   */
  recordError(component: string, error?: unknown): void {
    try {
      const label = this.components(component)
      let series = this.errorSeries.get(label)
      if (series === undefined) {
        series = this.errors.labels(label)
        this.errorSeries.set(label, series)
      }
      series.inc()
      if (this.onError) this.onError(error, label)
      else if (!this.warned.has(label)) {
        this.warned.add(label)
        process.emitWarning(`recording failed and was counted in ${this.errors.name}: ${describeError(error)}`, {
          type: 'IntervAIMetricsWarning',
          code: `INTERVAI_METRICS_${label.toUpperCase()}`,
        })
      }
    } catch {
      // Reporting a failure must never become one.
    }
  }

  /**
   * `fn`, guarded: the returned function calls it with the same `this` and arguments, and a
   * throw is caught, counted for `component` and turned into `undefined`. Make it once, outside
   * the hot path; calling it allocates nothing.
   */
  safely<A extends unknown[], R>(component: string, fn: (...args: A) => R): (...args: A) => R | undefined {
    const metrics = this
    return function (this: unknown, ...args: A): R | undefined {
      try {
        return fn.apply(this, args)
      } catch (error) {
        metrics.recordError(component, error)
        return undefined
      }
    }
  }

  /** Renders the whole registry in the format `accept` asks for (OpenMetrics or Prometheus text). */
  async render(accept?: string): Promise<Exposition> {
    const format: ExpositionFormat = negotiateFormat(accept)
    const body = await renderRegistry(this.registry, format, this.coreError)
    return { contentType: contentTypeOf(format), body }
  }

  /** A node:http handler serving the metrics (GET/HEAD only, optional auth). */
  handler(options: HandlerOptions = {}): ReturnType<typeof metricsHandler> {
    return metricsHandler((accept) => this.render(accept), options)
  }

  /** Starts a standalone metrics server, on 127.0.0.1:9464/metrics by default. */
  serve(options: ServeOptions = {}): Promise<MetricsServer> {
    return serveMetrics((accept) => this.render(accept), options)
  }

  private getOrCreate(
    type: OwnMetric['type'],
    definition: MetricDefinition,
    buckets: number[] | undefined,
    create: (params: MetricParams) => OwnMetric,
  ): OwnMetric {
    if (typeof definition !== 'object' || definition === null) throw optionError(PKG, 'definition', 'an object', definition)
    const name = this.prefix + checkMetricName(PKG, 'name', definition.name)
    checkMetricName(PKG, 'name', name)
    if (typeof definition.help !== 'string' || definition.help.length === 0) {
      throw optionError(PKG, 'help', 'a non-empty string', definition.help)
    }
    const labelNames = definition.labelNames === undefined ? [] : checkLabelNames(PKG, 'labelNames', definition.labelNames)
    for (const key of Object.keys(this.defaultLabels)) {
      if (labelNames.includes(key)) throw optionError(PKG, 'labelNames', `names not already in defaultLabels (${key})`, labelNames)
    }
    const wanted = describe(type, name, labelNames, buckets, this.defaultLabels)
    const existing = this.registry.getSingleMetric(name) as unknown
    if (existing !== undefined) {
      const have = describeExisting(existing)
      if (have === wanted) return existing as OwnMetric
      throw new Error(`${PKG}: metric "${name}" is already defined as ${have}; cannot define it again as ${wanted}`)
    }
    const metric = create({ name, help: definition.help, labelNames, constLabels: this.defaultLabels, onError: this.coreError })
    this.registry.registerMetric(metric as never)
    return metric
  }
}

function describe(type: string, name: string, labelNames: readonly string[], buckets: readonly number[] | undefined, constLabels: Readonly<Record<string, string>>): string {
  const consts = Object.entries(constLabels).map(([k, v]) => `${k}=${JSON.stringify(v)}`)
  let text = `${type} ${name}{${labelNames.join(',')}}`
  if (consts.length > 0) text += ` with labels {${consts.join(',')}}`
  if (buckets) text += ` buckets [${buckets.join(',')}]`
  return text
}

function describeExisting(metric: unknown): string {
  const m = metric as Partial<Histogram> & { [OWN_METRIC]?: boolean; labelNames?: string[]; type?: string; name?: string }
  if (m[OWN_METRIC] !== true) return `a ${m.type ?? 'metric'} created elsewhere (not through createMetrics)`
  return describe(m.type as string, m.name as string, m.labelNames ?? [], m.type === 'histogram' ? m.buckets : undefined, m.constLabels ?? {})
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error)
}

/**
 * Creates the metrics object every package takes. Cheap: metrics are get-or-created in the
 * registry, so two objects on one registry share the same metrics.
 */
export function createMetrics(options: CreateMetricsOptions = {}): Metrics {
  return new Metrics(options)
}

const byPrefix = new Map<string, Metrics>()

function isMetrics(value: unknown): value is Metrics {
  if (value instanceof Metrics) return true
  // Another copy of this package made it.
  const duck = value as Partial<Metrics> | null
  return typeof duck === 'object' && duck !== null && typeof duck.histogram === 'function' && typeof duck.recordError === 'function' && typeof duck.render === 'function'
}

/**
 * The one rule for the `metrics` and `prefix` options of every package: `metrics` is the
 * app's `createMetrics()` object; without it, the metrics on prom-client's global registry
 * with `prefix` (one shared object per prefix). With both, `prefix` must be the prefix of
 * `metrics`.
 */
export function resolveMetrics(pkg: string, metrics: unknown, prefix?: unknown): Metrics {
  const wanted = prefix === undefined ? undefined : checkPrefix(pkg, 'prefix', prefix)
  if (metrics === undefined) {
    const key = wanted ?? ''
    let shared = byPrefix.get(key)
    if (shared === undefined) byPrefix.set(key, (shared = createMetrics({ prefix: key })))
    return shared
  }
  if (!isMetrics(metrics)) throw optionError(pkg, 'metrics', 'the object createMetrics() returns', metrics)
  if (wanted !== undefined && wanted !== metrics.prefix) {
    throw optionError(pkg, 'prefix', `the prefix of "metrics" (${JSON.stringify(metrics.prefix)}), or left out`, wanted)
  }
  return metrics
}
