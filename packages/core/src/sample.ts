import type { Gauge } from './gauge.js'
import { dropSharedState, sharedState } from './shared.js'

/** Reads a live value at scrape time; `undefined` means "nothing to report now". */
export type GaugeSource = () => number | undefined | Promise<number | undefined>

interface SampledSeries {
  readonly values: readonly string[]
  readonly sources: Map<GaugeSource, (error: unknown) => void>
}

class Sampler {
  readonly series = new Map<string, SampledSeries>()
  private stop: (() => void) | undefined

  constructor(private readonly gauge: Gauge) {}

  add(values: readonly string[], read: GaugeSource, onError: (error: unknown) => void): () => void {
    const key = JSON.stringify(values)
    let entry = this.series.get(key)
    if (entry === undefined) this.series.set(key, (entry = { values, sources: new Map() }))
    entry.sources.set(read, onError)
    this.stop ??= this.gauge.onCollect(() => this.collect())
    const owner = entry
    return () => {
      if (!owner.sources.delete(read) || owner.sources.size > 0) return
      this.series.delete(key)
      this.gauge.remove(...owner.values)
      if (this.series.size === 0) {
        this.stop?.()
        this.stop = undefined
        dropSharedState(this.gauge, SAMPLER)
      }
    }
  }

  private async collect(): Promise<void> {
    await Promise.all([...this.series.values()].map((entry) => this.update(entry)))
  }

  private async update({ values, sources }: SampledSeries): Promise<void> {
    let sum = 0
    let seen = false
    let failed = false
    await Promise.all(
      [...sources].map(async ([read, onError]) => {
        try {
          const value = await read()
          if (value === undefined) return
          sum += value
          seen = true
        } catch (error) {
          failed = true
          onError(error)
        }
      }),
    )
    // A failed read keeps the last value rather than show a partial sum.
    if (failed || !this.series.has(JSON.stringify(values))) return
    if (seen) this.gauge.labels(...values).set(sum)
    else this.gauge.remove(...values)
  }
}

const SAMPLER = 'sampler'

/**
 * Samples `gauge{labelValues}` from a live source at every scrape, instead of counting events
 * that can drift (a pool's clients, a server's sockets, a kernel figure). Sources of the same
 * series are summed (two pools under one name); a series whose sources all read `undefined` is
 * left out of the scrape, and so is one whose last source was removed. A source that throws is
 * reported to `onError` and leaves the series as it was. Returns the undo.
 */
export function sampleGauge(gauge: Gauge, labelValues: readonly string[], read: GaugeSource, onError: (error: unknown) => void): () => void {
  if (labelValues.length !== gauge.labelNames.length) {
    throw new TypeError(`metric "${gauge.name}" takes ${gauge.labelNames.length} label values, got ${labelValues.length}`)
  }
  return sharedState(gauge, SAMPLER, () => new Sampler(gauge)).add([...labelValues], read, onError)
}
