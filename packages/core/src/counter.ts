import { formatValue, sampleStart, type ExpositionFormat } from './exposition.js'
import { BaseMetric, Series, type ErrorSink, type MetricParams, type MetricSample } from './metric.js'

/** One labelled series of a counter. */
export class CounterSeries extends Series {
  value = 0
  constructor(
    labelValues: readonly string[],
    labelText: string,
    private readonly onError: ErrorSink,
  ) {
    super(labelValues, labelText)
  }

  /** Adds `amount` (default 1). A negative or NaN amount is dropped and reported, never thrown. */
  inc(amount = 1): void {
    if (amount >= 0) this.value += amount
    else this.onError(new RangeError(`counter increment must be >= 0 (got ${amount})`))
  }
}

/** A monotonically increasing counter; name it with a `_total` suffix. */
export class Counter<L extends string = string> extends BaseMetric<CounterSeries> {
  readonly type = 'counter' as const

  constructor(params: MetricParams) {
    super(params)
    this.initSingle()
  }

  /** Increments the series for a label object (convenience; hot paths cache `labels(...)`). */
  inc(labels?: Partial<Record<L, string | number>>, amount = 1): void {
    this.with(labels).inc(amount)
  }

  protected createSeries(labelValues: readonly string[], labelText: string): CounterSeries {
    return new CounterSeries(labelValues, labelText, this.onError)
  }

  protected resetSeries(s: CounterSeries): void {
    s.value = 0
  }

  protected sample(s: CounterSeries, labels: Record<string, string>, out: MetricSample[]): void {
    out.push({ labels, value: s.value })
  }

  protected writeSeries(s: CounterSeries, format: ExpositionFormat): string {
    // OpenMetrics names counter samples `<family>_total`: the same as the name when it ends in
    // _total (the catalog's rule), so one cached start serves both formats.
    if (format === 'openmetrics' && !this.name.endsWith('_total')) return `${sampleStart(`${this.name}_total`, this.exposedLabels(s))}${formatValue(s.value)}\n`
    return `${(s.start ??= sampleStart(this.name, this.exposedLabels(s)))}${formatValue(s.value)}\n`
  }
}
