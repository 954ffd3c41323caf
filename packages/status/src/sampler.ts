import type { Registry } from 'prom-client'
import type { Family, Signal } from './family.js'
import { counterIncrease, histogramIncrease } from './math.js'
import { isOwnMetric, readForeign, readOwn, type MetricReading } from './reader.js'
import { Ring } from './ring.js'

/** Which families a metric feeds: asked once per metric object, when the sampler first sees it. */
export type FamiliesOf = (name: string, type: MetricReading['type']) => readonly Family[]

interface SeriesState {
  seen: number
  /** Counter or gauge value, or histogram count, at the last tick. */
  last: number
  lastCounts: Float64Array | undefined
  lastSum: number
  /** The signals this series feeds, found when it was first seen (its labels never change). */
  readonly counters: Signal[]
  readonly gauges: Signal[]
  readonly histograms: Signal[]
}

interface MetricState {
  readonly families: readonly Family[]
  readonly series: Map<object | string, SeriesState>
  seen: number
}

/** Options of a sampler. */
export interface SamplerOptions {
  /** Rows of history kept (ticks). */
  capacity: number
  /** Called with a failure to read a metric (the other metrics are still read). */
  onError: (error: unknown) => void
}

/**
 * Reads the metric objects of a registry at every tick into the families' rings: counters and
 * histograms as increases since the previous tick (resets handled, a series seen for the first
 * time after the first tick counted in full, since it was created after that tick), gauges as
 * their value. Nothing is read between ticks, so the app's hot path never sees the sampler.
 */
export class Sampler {
  /** The time of every tick kept, in ms since the epoch. */
  readonly history: Ring
  private ticks = 0
  private readonly states = new Map<object, MetricState>()
  private readonly families = new Set<Family>()
  private scratch = new Float64Array(16)

  constructor(
    private readonly registry: Registry,
    private readonly familiesOf: FamiliesOf,
    private readonly options: SamplerOptions,
  ) {
    this.history = new Ring(options.capacity)
  }

  /** Ticks taken so far. */
  get tickCount(): number {
    return this.ticks
  }

  /** Reads every metric some family wants, and appends one row to every ring. */
  async tick(now: number = Date.now()): Promise<void> {
    const tick = ++this.ticks
    const readings: [MetricState, MetricReading][] = []
    const metrics = this.registry.getMetricsAsArray() as unknown[]
    await Promise.all(
      metrics.map(async (metric) => {
        const state = this.stateOf(metric)
        if (state === undefined) return
        try {
          let reading: MetricReading | undefined
          if (isOwnMetric(metric)) {
            // Scrape-time collectors set the sampled gauges (pool counts, host figures).
            await metric.collect()
            reading = readOwn(metric)
          } else reading = await readForeign(metric as Parameters<typeof readForeign>[0])
          if (reading !== undefined) readings.push([state, reading])
          state.seen = tick
        } catch (error) {
          // Keep its series as they were, so the next good read is not counted as new.
          state.seen = tick
          for (const series of state.series.values()) series.seen = tick
          this.options.onError(error)
        }
      }),
    )
    for (const family of this.families) family.begin()
    for (const [state, reading] of readings) this.read(state, reading, tick)
    this.history.pushValue(now)
    for (const family of this.families) family.end()
    for (const [metric, state] of this.states) {
      if (state.seen !== tick) this.states.delete(metric)
      else for (const [id, series] of state.series) if (series.seen !== tick) state.series.delete(id)
    }
  }

  /** Approximate bytes held: rings, and the last values of every series. */
  get bytes(): number {
    let bytes = this.history.bytes
    for (const family of this.families) bytes += family.bytes
    for (const state of this.states.values()) {
      for (const series of state.series.values()) bytes += 64 + (series.lastCounts?.byteLength ?? 0) + 8 * (series.counters.length + series.gauges.length + series.histograms.length)
    }
    return bytes
  }

  private stateOf(metric: unknown): MetricState | undefined {
    if (typeof metric !== 'object' || metric === null) return undefined
    let state = this.states.get(metric)
    if (state === undefined) {
      const { name, type } = metric as { name?: unknown; type?: unknown }
      if (typeof name !== 'string' || (type !== 'counter' && type !== 'gauge' && type !== 'histogram')) return undefined
      const families = this.familiesOf(name, type)
      for (const family of families) this.families.add(family)
      state = { families, series: new Map(), seen: 0 }
      this.states.set(metric, state)
    }
    return state.families.length === 0 ? undefined : state
  }

  private read(state: MetricState, reading: MetricReading, tick: number): void {
    const first = tick === 1
    const histogram = reading.type === 'histogram'
    reading.each((id, labelValues, value, counts, sum) => {
      let series = state.series.get(id)
      if (series === undefined) {
        series = this.seriesState(state, reading, labelValues, !first)
        // At the first tick every value is the baseline; later, a new series was created
        // since the previous tick, so all it counted is new.
        if (first) {
          series.last = value
          series.lastSum = sum
          if (counts !== undefined) series.lastCounts = Float64Array.from(counts)
        } else if (counts !== undefined) series.lastCounts = new Float64Array(counts.length)
        state.series.set(id, series)
      }
      series.seen = tick
      if (reading.type === 'gauge') {
        if (Number.isFinite(value)) for (const signal of series.gauges) signal.addGauge(value)
        return
      }
      if (!histogram) {
        const increase = counterIncrease(series.last, value)
        series.last = value
        for (const signal of series.counters) signal.addIncrease(increase, value)
        return
      }
      const last = series.lastCounts as Float64Array
      const n = last.length
      if (counts === undefined || counts.length !== n) return
      if (this.scratch.length < n) this.scratch = new Float64Array(n)
      const increase = this.scratch.subarray(0, n)
      const sumIncrease = histogramIncrease(last, counts, series.lastSum, sum, increase)
      let countIncrease = 0
      for (let i = 0; i < n; i++) countIncrease += increase[i] as number
      last.set(counts)
      series.last = value
      series.lastSum = sum
      for (const signal of series.counters) signal.addIncrease(countIncrease, value)
      for (const signal of series.histograms) signal.addHistogram(increase, sumIncrease, value, sum)
    })
  }

  private seriesState(state: MetricState, reading: MetricReading, labelValues: readonly string[], late: boolean): SeriesState {
    const label = (name: string): string => {
      const index = reading.labelNames.indexOf(name)
      return index === -1 ? '' : (labelValues[index] as string)
    }
    const series: SeriesState = { seen: 0, last: 0, lastCounts: undefined, lastSum: 0, counters: [], gauges: [], histograms: [] }
    for (const family of state.families) {
      if (!family.matches(label)) continue
      const signal = family.signalFor(label, reading.bounds, late)
      if (signal === undefined) continue
      const kind = family.spec.kind
      if (kind === 'gauge' && reading.type === 'gauge') series.gauges.push(signal)
      else if (kind === 'counter' && reading.type !== 'gauge') series.counters.push(signal)
      else if (kind === 'histogram' && reading.type === 'histogram') series.histograms.push(signal)
    }
    return series
  }
}
