import { BaseMetric, fmt, Series, type ExpositionFormat, type MetricParams, type MetricSample } from './metric.js'

/** One labelled series of a gauge. */
export class GaugeSeries extends Series {
  value = 0
  /** Sets the value. */
  set(value: number): void {
    this.value = value
  }
  /** Adds `amount` (default 1). */
  inc(amount = 1): void {
    this.value += amount
  }
  /** Subtracts `amount` (default 1). */
  dec(amount = 1): void {
    this.value -= amount
  }
}

/** Reads live values into a gauge at scrape time. */
export type GaugeCollector<L extends string> = (gauge: Gauge<L>) => void | Promise<void>

/** A value that goes up and down; best sampled from a live source with `onCollect`. */
export class Gauge<L extends string = string> extends BaseMetric<GaugeSeries> {
  readonly type = 'gauge' as const
  private readonly prefixes = new WeakMap<GaugeSeries, string>()

  constructor(params: MetricParams) {
    super(params)
    this.initSingle()
  }

  /** Sets the series for a label object (convenience). */
  set(labels: Partial<Record<L, string | number>>, value: number): void {
    this.with(labels).set(value)
  }

  protected createSeries(labelValues: readonly string[], labelText: string): GaugeSeries {
    return new GaugeSeries(labelValues, labelText)
  }

  protected resetSeries(s: GaugeSeries): void {
    s.value = 0
  }

  protected sample(s: GaugeSeries, labels: Record<string, string>, out: MetricSample[]): void {
    out.push({ labels, value: s.value })
  }

  protected writeSeries(s: GaugeSeries, _format: ExpositionFormat): string {
    let prefix = this.prefixes.get(s)
    if (prefix === undefined) {
      prefix = `${this.name}${this.braces(s.labelText)} `
      this.prefixes.set(s, prefix)
    }
    return `${prefix}${fmt(s.value)}\n`
  }
}
