import { familyHeader, joinLabels, labelPair, type ExpositionFormat } from './exposition.js'

/** A label value as accepted by `labels()`; numbers are turned into strings. */
export type LabelValue = string | number

/** One sample in prom-client's JSON shape (what `get()` returns, and what the cluster aggregator sums). */
export interface MetricSample {
  labels: Record<string, string | number>
  value: number
  metricName?: string
}

/** A metric in prom-client's JSON shape. */
export interface MetricSnapshot {
  name: string
  help: string
  type: 'counter' | 'gauge' | 'histogram'
  aggregator: 'sum'
  values: MetricSample[]
}

/** Called with an error a metric caught instead of throwing (NaN observations, failing collectors). */
export type ErrorSink = (error: unknown) => void

/** Marks our metrics so exposition can take the fast path even across two copies of this package. */
export const OWN_METRIC = Symbol.for('@intervai/metrics-core.metric')

/** What every metric definition has. */
export interface MetricDefinition<L extends string = string> {
  /** Metric name, without the prefix (added by `createMetrics({ prefix })`). */
  name: string
  /** HELP text. */
  help: string
  /** Label names, in the order `labels(...)` takes values. @default [] */
  labelNames?: readonly L[]
}

/** Internal construction parameters shared by the three metric types. */
export interface MetricParams {
  name: string
  help: string
  labelNames: readonly string[]
  constLabels: Readonly<Record<string, string>>
  onError: ErrorSink
}

/** The part of a series every type shares: its label values and its escaped label text. */
export abstract class Series {
  /** `name="value",...` for this series, escaped, constant labels first; '' when it has none. */
  readonly labelText: string
  /** The start of this series' sample line, as of the last scrape (up to the value). */
  start: string | undefined
  constructor(
    readonly labelValues: readonly string[],
    labelText: string,
  ) {
    this.labelText = labelText
  }
}

type Node<S> = Map<string, Node<S> | S>

/**
 * Storage shared by Counter, Gauge and Histogram: series found by walking one Map per label
 * (so crafted values can never merge two series), iterated in creation order for exposition.
 */
export abstract class BaseMetric<S extends Series> {
  readonly [OWN_METRIC] = true
  readonly name: string
  readonly help: string
  readonly labelNames: readonly string[]
  readonly constLabels: Readonly<Record<string, string>>
  readonly aggregator = 'sum' as const
  abstract readonly type: 'counter' | 'gauge' | 'histogram'
  protected readonly onError: ErrorSink
  protected readonly series = new Set<S>()
  private readonly root: Node<S> = new Map()
  private readonly constText: string
  private single: S | undefined
  /** Registry default labels this metric's samples carry in exposition, as label text. */
  private registryText = ''
  private collectors: Set<(metric: BaseMetric<S>) => void | Promise<void>> | undefined

  constructor(params: MetricParams) {
    this.name = params.name
    this.help = params.help
    this.labelNames = params.labelNames
    this.constLabels = params.constLabels
    this.onError = params.onError
    this.constText = Object.entries(params.constLabels)
      .map(([key, value]) => labelPair(key, value))
      .join(',')
  }

  /** Creates the unlabelled series of a metric without labels, so it shows 0 from the start. */
  protected initSingle(): void {
    if (this.labelNames.length === 0) this.single = this.addSeries([])
  }

  /**
   * The series for these label values (in `labelNames` order), created on first use.
   * Cache the result on hot paths: a lookup walks one Map per label.
   */
  labels(...values: LabelValue[]): S {
    const count = this.labelNames.length
    if (count === 0) return (this.single ??= this.addSeries([]))
    if (values.length !== count) {
      throw new TypeError(`metric "${this.name}" takes ${count} label values (${this.labelNames.join(', ')}), got ${values.length}`)
    }
    let node = this.root
    for (let i = 0; i < count - 1; i++) {
      const key = String(values[i])
      let next = node.get(key) as Node<S> | undefined
      if (next === undefined) {
        next = new Map()
        node.set(key, next)
      }
      node = next
    }
    const last = String(values[count - 1])
    let found = node.get(last) as S | undefined
    if (found === undefined) {
      found = this.addSeries(values.map(String))
      node.set(last, found)
    }
    return found
  }

  /** The series for a label object (keys from `labelNames` only; missing ones are ''). */
  with(labels: Partial<Record<string, LabelValue>> = {}): S {
    return this.labels(...this.labelNames.map((name) => labels[name] ?? ''))
  }

  /**
   * Removes one series; returns whether it existed. The one series of an unlabelled metric can
   * be removed too (a figure this platform cannot read); `labels()` makes it again.
   */
  remove(...values: LabelValue[]): boolean {
    const count = this.labelNames.length
    if (count === 0) {
      if (this.single === undefined) return false
      this.series.delete(this.single)
      this.single = undefined
      return true
    }
    if (values.length !== count) return false
    const path: Node<S>[] = [this.root]
    let node = this.root
    for (let i = 0; i < count - 1; i++) {
      const next = node.get(String(values[i])) as Node<S> | undefined
      if (next === undefined) return false
      path.push(next)
      node = next
    }
    const last = String(values[count - 1])
    const found = node.get(last) as S | undefined
    if (found === undefined) return false
    node.delete(last)
    this.series.delete(found)
    for (let i = count - 2; i >= 0 && (path[i + 1] as Node<S>).size === 0; i--) {
      ;(path[i] as Node<S>).delete(String(values[i]))
    }
    return true
  }

  /** Removes every series whose labels match all the given pairs; returns how many. */
  removeMatching(match: Partial<Record<string, LabelValue>>): number {
    const pairs = Object.entries(match).map(([key, value]) => [this.labelNames.indexOf(key), String(value)] as const)
    let removed = 0
    for (const s of [...this.series]) {
      if (pairs.every(([index, value]) => index >= 0 && s.labelValues[index] === value)) {
        if (this.remove(...s.labelValues)) removed++
      }
    }
    return removed
  }

  /** Removes every labelled series (an unlabelled metric keeps its one series, reset). */
  clear(): void {
    if (this.labelNames.length === 0) {
      this.reset()
      return
    }
    this.root.clear()
    this.series.clear()
  }

  /** Every series currently held, in creation order (read-only use: samplers, tests). */
  allSeries(): IterableIterator<S> {
    return this.series.values()
  }

  /** Number of series currently held. */
  get size(): number {
    return this.series.size
  }

  /** Resets every series to zero (prom-client's `registry.resetMetrics()` calls this). */
  reset(): void {
    for (const s of this.series) this.resetSeries(s)
  }

  /**
   * Registers a function run before every scrape to set this metric from a live source (a
   * pool's counts, a kernel counter). Several owners can each add one. Returns the undo.
   */
  onCollect(collector: (metric: this) => void | Promise<void>): () => void {
    const collectors = (this.collectors ??= new Set())
    collectors.add(collector as (metric: BaseMetric<S>) => void | Promise<void>)
    return () => {
      collectors.delete(collector as (metric: BaseMetric<S>) => void | Promise<void>)
    }
  }

  /** Runs the scrape-time collectors; one that throws is reported and the others still run. */
  async collect(): Promise<void> {
    if (this.collectors === undefined || this.collectors.size === 0) return
    await Promise.all(
      [...this.collectors].map(async (collector) => {
        try {
          await collector(this)
        } catch (error) {
          this.onError(error)
        }
      }),
    )
  }

  /**
   * prom-client compatible snapshot (`registry.metrics()`, `getMetricsAsJSON()` and node:cluster
   * aggregation use it). The registry's default labels are left to prom-client, which adds them.
   */
  async get(): Promise<MetricSnapshot> {
    await this.collect()
    const values: MetricSample[] = []
    for (const s of this.series) this.sample(s, this.labelObject(s), values)
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values }
  }

  /**
   * The exposition text of this metric (HELP, TYPE and every sample), collectors already run.
   * @param registryDefaults the registry's default labels: added to every sample whose own labels
   *   do not name them, as prom-client adds them
   */
  write(format: ExpositionFormat, registryDefaults: Readonly<Record<string, string>> = {}): string {
    const parts: string[] = []
    this.writeTo(parts, format, registryDefaults)
    return parts.join('')
  }

  /** Like `write`, appending the pieces to `parts`, so a whole scrape is joined once. */
  writeTo(parts: string[], format: ExpositionFormat, registryDefaults: Readonly<Record<string, string>> = {}): void {
    this.useRegistryDefaults(registryDefaults)
    parts.push(familyHeader(this.name, this.help, this.type, format))
    for (const s of this.series) parts.push(this.writeSeries(s, format))
  }

  /** The label text a series is exposed with: its own labels, then the registry's default labels. */
  protected exposedLabels(s: S): string {
    return joinLabels(s.labelText, this.registryText)
  }

  protected labelObject(s: S): Record<string, string> {
    const labels: Record<string, string> = { ...this.constLabels }
    for (let i = 0; i < this.labelNames.length; i++) labels[this.labelNames[i] as string] = s.labelValues[i] as string
    return labels
  }

  protected abstract createSeries(labelValues: readonly string[], labelText: string): S
  protected abstract resetSeries(s: S): void
  protected abstract sample(s: S, labels: Record<string, string>, out: MetricSample[]): void
  protected abstract writeSeries(s: S, format: ExpositionFormat): string
  /** Drops a series' cached text (its labels' text changed). */
  protected forget(s: S): void {
    s.start = undefined
  }

  private useRegistryDefaults(defaults: Readonly<Record<string, string>>): void {
    let text = ''
    for (const key of Object.keys(defaults)) {
      if (this.labelNames.includes(key) || Object.hasOwn(this.constLabels, key)) continue
      text = joinLabels(text, labelPair(key, String(defaults[key])))
    }
    if (text === this.registryText) return
    this.registryText = text
    for (const s of this.series) this.forget(s)
  }

  private addSeries(values: readonly string[]): S {
    let text = this.constText
    for (let i = 0; i < values.length; i++) text = joinLabels(text, labelPair(this.labelNames[i] as string, values[i] as string))
    const s = this.createSeries(values, text)
    this.series.add(s)
    return s
  }
}
