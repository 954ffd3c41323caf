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
  private readonly collectors = new Set<GaugeCollector<L>>()
  private readonly prefixes = new WeakMap<GaugeSeries, string>()

  constructor(params: MetricParams) {
    super(params)
    this.initSingle()
  }

  /** Sets the series for a label object (convenience). */
  set(labels: Partial<Record<L, string | number>>, value: number): void {
    this.with(labels).set(value)
  }

  /**
   * Registers a function run before every scrape to set this gauge from a live source.
   * Several owners (one per pool, per server) can each add one. Returns the undo.
   */
  onCollect(collector: GaugeCollector<L>): () => void {
    this.collectors.add(collector)
    return () => {
      this.collectors.delete(collector)
    }
  }

  override async collect(): Promise<void> {
    for (const collector of this.collectors) {
      try {
        await collector(this)
      } catch (error) {
        this.onError(error)
      }
    }
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
