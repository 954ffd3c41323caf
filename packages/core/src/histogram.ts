import { formatValue, joinLabels, sampleStart, type ExpositionFormat } from './exposition.js'
import { BaseMetric, Series, type ErrorSink, type MetricParams, type MetricSample } from './metric.js'

/** Bucket counts are mostly small integers: their text, made once. */
const SMALL_INTS = Array.from({ length: 1024 }, (_, i) => String(i))

/** One labelled series of a histogram: a count per bucket, the sum and the count. */
export class HistogramSeries extends Series {
  /** Non-cumulative counts; the last slot is the +Inf bucket. */
  readonly counts: Float64Array
  sum = 0
  count = 0
  /** Cached exposition line starts: one per bucket, then _sum, then _count. */
  lines: string[] | undefined
  /** This series' exposition text as of the last scrape; cleared by every observation. */
  text: string | undefined

  constructor(
    labelValues: readonly string[],
    labelText: string,
    private readonly bounds: Float64Array,
    private readonly onError: ErrorSink,
  ) {
    super(labelValues, labelText)
    this.counts = new Float64Array(bounds.length + 1)
  }

  /** Records one value. NaN is dropped and reported, never thrown. */
  observe(value: number): void {
    if (value !== value) {
      this.onError(new RangeError('histogram observation is NaN'))
      return
    }
    const bounds = this.bounds
    const n = bounds.length
    let i = 0
    while (i < n && value > (bounds[i] as number)) i++
    ;(this.counts[i] as number)++
    this.sum += value
    this.count++
    this.text = undefined
  }

  /** Starts a timer; the returned function observes the elapsed seconds and returns them. */
  startTimer(): () => number {
    const start = process.hrtime.bigint()
    return () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9
      this.observe(seconds)
      return seconds
    }
  }
}

/** Histogram parameters: the metric's plus its bucket upper bounds. */
export interface HistogramParams extends MetricParams {
  buckets: readonly number[]
}

/** A histogram with fixed buckets; exposition text per series is cached after the first scrape. */
export class Histogram<L extends string = string> extends BaseMetric<HistogramSeries> {
  readonly type = 'histogram' as const
  readonly buckets: readonly number[]
  private readonly bounds: Float64Array
  private readonly leText: string[]

  constructor(params: HistogramParams) {
    super(params)
    this.buckets = [...params.buckets]
    this.bounds = Float64Array.from(params.buckets)
    this.leText = [...params.buckets.map((b) => `le="${formatValue(b)}"`), 'le="+Inf"']
    this.initSingle()
  }

  /** Observes a value for a label object (convenience; hot paths cache `labels(...)`). */
  observe(labels: Partial<Record<L, string | number>>, value: number): void {
    this.with(labels).observe(value)
  }

  protected createSeries(labelValues: readonly string[], labelText: string): HistogramSeries {
    return new HistogramSeries(labelValues, labelText, this.bounds, this.onError)
  }

  protected resetSeries(s: HistogramSeries): void {
    s.counts.fill(0)
    s.sum = 0
    s.count = 0
    s.text = undefined
  }

  protected override forget(s: HistogramSeries): void {
    s.lines = undefined
    s.text = undefined
  }

  protected sample(s: HistogramSeries, labels: Record<string, string>, out: MetricSample[]): void {
    let cumulative = 0
    for (let i = 0; i < s.counts.length; i++) {
      cumulative += s.counts[i] as number
      const le = i < this.buckets.length ? (this.buckets[i] as number) : '+Inf'
      out.push({ labels: { ...labels, le }, value: cumulative, metricName: `${this.name}_bucket` })
    }
    out.push({ labels, value: s.sum, metricName: `${this.name}_sum` })
    out.push({ labels, value: s.count, metricName: `${this.name}_count` })
  }

  protected writeSeries(s: HistogramSeries, _format: ExpositionFormat): string {
    // Histogram lines read the same in both formats, so one cached text serves every scrape
    // until the series is observed again; a scrape re-formats only the series that changed.
    return s.text ?? (s.text = this.formatSeries(s))
  }

  private formatSeries(s: HistogramSeries): string {
    const lines = s.lines ?? (s.lines = this.lineStarts(this.exposedLabels(s)))
    const counts = s.counts
    const n = counts.length
    // join() builds a flat string in one pass (+= would leave a rope that every scrape walks);
    // the scrape joins these once more, and only once (render.ts).
    const parts: string[] = []
    let cumulative = 0
    for (let i = 0; i < n; i++) {
      cumulative += counts[i] as number
      parts.push(lines[i] as string, cumulative < SMALL_INTS.length ? (SMALL_INTS[cumulative] as string) : formatValue(cumulative), '\n')
    }
    parts.push(lines[n] as string, formatValue(s.sum), '\n', lines[n + 1] as string, formatValue(s.count), '\n')
    return parts.join('')
  }

  private lineStarts(labelText: string): string[] {
    const lines = this.leText.map((le) => sampleStart(`${this.name}_bucket`, joinLabels(labelText, le)))
    lines.push(sampleStart(`${this.name}_sum`, labelText), sampleStart(`${this.name}_count`, labelText))
    return lines
  }
}
