import { formatValue, sampleStart, type ExpositionFormat } from './exposition.js'
import { BaseMetric, Series, type MetricParams, type MetricSample } from './metric.js'

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

/** A value that goes up and down; best sampled from a live source (see `sampleGauge`). */
export class Gauge<L extends string = string> extends BaseMetric<GaugeSeries> {
  readonly type = 'gauge' as const

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
    return `${(s.start ??= sampleStart(this.name, this.exposedLabels(s)))}${formatValue(s.value)}\n`
  }
}
