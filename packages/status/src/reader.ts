/** Marks the metrics of @intervai/metrics-core, across two copies of it (core's `OWN_METRIC`). */
const OWN_METRIC = Symbol.for('@intervai/metrics-core.metric')

/** Calls back once per series of a metric; `counts` (non-cumulative, last is +Inf) and `sum` for histograms. */
export type SeriesVisit = (id: object | string, labelValues: readonly string[], value: number, counts: ArrayLike<number> | undefined, sum: number) => void

/** One metric, read: its shape and a way to walk its series. */
export interface MetricReading {
  readonly name: string
  readonly type: 'counter' | 'gauge' | 'histogram'
  readonly labelNames: readonly string[]
  /** Histograms: the finite bucket bounds. */
  readonly bounds: readonly number[] | undefined
  each(visit: SeriesVisit): void
}

interface OwnSeries {
  readonly labelValues: readonly string[]
  readonly value?: number
  readonly counts?: Float64Array
  readonly sum?: number
  readonly count?: number
}

interface OwnMetric {
  readonly name: string
  readonly type: 'counter' | 'gauge' | 'histogram'
  readonly labelNames: readonly string[]
  readonly buckets?: readonly number[]
  collect(): Promise<void>
  allSeries(): IterableIterator<OwnSeries>
}

interface ForeignSample {
  labels?: Record<string, string | number | undefined>
  value: number
  metricName?: string
}

interface ForeignMetric {
  readonly name: string
  get(): Promise<{ name: string; type: string; values?: ForeignSample[] }>
}

/** Whether a registry entry is a metric of @intervai/metrics-core (read from its series directly). */
export function isOwnMetric(metric: unknown): metric is OwnMetric {
  return typeof metric === 'object' && metric !== null && (metric as { [OWN_METRIC]?: unknown })[OWN_METRIC] === true
}

/** Reads one of our metrics, after its scrape-time collectors ran, straight from its series objects. */
export function readOwn(metric: OwnMetric): MetricReading | undefined {
  const type = metric.type
  if (type !== 'counter' && type !== 'gauge' && type !== 'histogram') return undefined
  return {
    name: metric.name,
    type,
    labelNames: metric.labelNames,
    bounds: type === 'histogram' ? metric.buckets : undefined,
    each(visit) {
      if (type === 'histogram') {
        for (const s of metric.allSeries()) visit(s, s.labelValues, s.count as number, s.counts, s.sum as number)
      } else {
        for (const s of metric.allSeries()) visit(s, s.labelValues, s.value as number, undefined, 0)
      }
    },
  }
}

/**
 * Reads a metric that is not ours (the app's own prom-client metrics, prom-client's default
 * metrics) through its public `get()`. Series are keyed by their label values; histograms are
 * put back together from their `_bucket`, `_sum` and `_count` samples.
 */
export async function readForeign(metric: ForeignMetric): Promise<MetricReading | undefined> {
  const snapshot = await metric.get()
  const type = snapshot.type
  const values = snapshot.values ?? []
  if (type === 'counter' || type === 'gauge') {
    const labelNames = namesOf(values)
    return {
      name: snapshot.name,
      type,
      labelNames,
      bounds: undefined,
      each(visit) {
        for (const sample of values) {
          const labelValues = labelNames.map((name) => String(sample.labels?.[name] ?? ''))
          visit(labelValues.join('\u0000'), labelValues, sample.value, undefined, 0)
        }
      },
    }
  }
  if (type === 'histogram') return foreignHistogram(snapshot.name, values)
  return undefined
}

function namesOf(samples: readonly ForeignSample[]): string[] {
  const names = new Set<string>()
  for (const sample of samples) for (const name of Object.keys(sample.labels ?? {})) if (name !== 'le') names.add(name)
  return [...names]
}

function foreignHistogram(name: string, samples: readonly ForeignSample[]): MetricReading {
  const labelNames = namesOf(samples)
  const bounds = [...new Set(samples.filter((s) => s.metricName === `${name}_bucket`).map((s) => Number(s.labels?.le)))]
    .filter((b) => Number.isFinite(b))
    .sort((a, b) => a - b)
  const series = new Map<string, { labelValues: string[]; cumulative: Float64Array; sum: number; count: number }>()
  for (const sample of samples) {
    const labelValues = labelNames.map((label) => String(sample.labels?.[label] ?? ''))
    const key = labelValues.join('\u0000')
    let entry = series.get(key)
    if (entry === undefined) series.set(key, (entry = { labelValues, cumulative: new Float64Array(bounds.length + 1), sum: 0, count: 0 }))
    if (sample.metricName === `${name}_sum`) entry.sum = sample.value
    else if (sample.metricName === `${name}_count`) entry.count = sample.value
    else if (sample.metricName === `${name}_bucket`) {
      const le = Number(sample.labels?.le)
      const index = Number.isFinite(le) ? bounds.indexOf(le) : bounds.length
      if (index >= 0) entry.cumulative[index] = sample.value
    }
  }
  return {
    name,
    type: 'histogram',
    labelNames,
    bounds,
    each(visit) {
      for (const [key, { labelValues, cumulative, sum, count }] of series) {
        const counts = new Float64Array(cumulative.length)
        for (let i = 0; i < cumulative.length; i++) counts[i] = (cumulative[i] as number) - (i === 0 ? 0 : (cumulative[i - 1] as number))
        visit(key, labelValues, count, counts, sum)
      }
    },
  }
}
