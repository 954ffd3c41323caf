import client, { type Registry } from 'prom-client'
import { Counter, type CounterSeries } from './counter.js'
import { describeValue, optionError } from './errors.js'
import { Gauge } from './gauge.js'
import { Histogram } from './histogram.js'
import { OWN_METRIC, type ExpositionFormat, type MetricDefinition, type MetricParams } from './metric.js'
import { contentTypeOf, negotiateFormat, renderRegistry } from './render.js'
import { metricsHandler, serveMetrics, type Exposition, type HandlerOptions, type MetricsServer, type ServeOptions } from './server.js'
import { checkBuckets, checkLabelNames, checkLabelValues, checkMetricName, checkPrefix } from './validate.js'
import { boundedLabel } from './bounded.js'

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

/** A gauge definition may also take its scrape-time collector. */
export interface GaugeDefinition<L extends string> extends MetricDefinition<L> {}

/** A histogram definition: the bucket upper bounds (increasing). */
export interface HistogramDefinition<L extends string> extends MetricDefinition<L> {
  buckets: readonly number[]
}

/** The name of the metric that counts caught recording failures. */
export const INSTRUMENTATION_ERRORS = 'instrumentation_errors_total'

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
    this.prefix = checkPrefix(PKG, 'prefix', options.prefix)
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
    this.errors = this.counter({
      name: INSTRUMENTATION_ERRORS,
      help: 'Recording failures caught by the instrumentation instead of reaching the app',
      labelNames: ['component'],
    })
  }

  /** Gets or creates a counter. Same name, type and labels returns the same counter. */
  counter<L extends string = string>(definition: MetricDefinition<L>): Counter<L> {
    return this.getOrCreate('counter', definition, undefined, (params) => new Counter<L>(params)) as Counter<L>
  }

  /** Gets or creates a gauge. Same name, type and labels returns the same gauge. */
  gauge<L extends string = string>(definition: GaugeDefinition<L>): Gauge<L> {
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
        process.emitWarning(`recording failed and was counted in ${this.prefix}${INSTRUMENTATION_ERRORS}: ${describeError(error)}`, {
          type: 'IntervAIMetricsWarning',
          code: `INTERVAI_METRICS_${label.toUpperCase()}`,
        })
      }
    } catch {
      // Reporting a failure must never become one.
    }
  }

  /** Runs `fn`; a throw is caught, counted for `component`, and `undefined` returned instead. */
  safely<T>(component: string, fn: () => T): T | undefined {
    try {
      return fn()
    } catch (error) {
      this.recordError(component, error)
      return undefined
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
    const labelNames = checkLabelNames(PKG, 'labelNames', definition.labelNames)
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

let fallback: Metrics | undefined

/**
 * For packages: the `metrics` option, checked, or a default `createMetrics()` on prom-client's
 * global registry when the option is absent.
 */
export function resolveMetrics(pkg: string, value: unknown): Metrics {
  if (value === undefined) return (fallback ??= createMetrics())
  if (value instanceof Metrics) return value
  const duck = value as Partial<Metrics> | null
  if (duck && typeof duck.histogram === 'function' && typeof duck.recordError === 'function' && typeof duck.render === 'function') {
    return value as Metrics
  }
  throw optionError(pkg, 'metrics', 'the object createMetrics() returns', value)
}
