import type { Family, Signal } from './family.js'
import { rounded } from './panels.js'
import type { WindowReader } from './window.js'
import type { StatusLine } from './data.js'

/** A value of a signal at one history index. */
export type SignalValue = (signal: Signal, k: number) => number

/**
 * Reads the sampler's families for one answer of `<path>/data`: chart lines over the charted
 * rows (`from`..`last`), and latest values.
 */
export class SamplerView {
  constructor(
    private readonly families: ReadonlyMap<string, Family>,
    readonly reader: WindowReader,
    /** First history index charted. */
    readonly from: number,
  ) {}

  /** The newest history index (-1 before the first tick). */
  get last(): number {
    return this.reader.history.size - 1
  }

  /** The signals of a family (none when it is unknown or empty). */
  signals(id: string): Signal[] {
    const family = this.families.get(id)
    return family === undefined ? [] : [...family.signals.values()]
  }

  /** The signal of a family for one label key (`by` values joined), if any. */
  signal(id: string, key = ''): Signal | undefined {
    return this.families.get(id)?.signals.get(key)
  }

  /** Whether any of these families has a signal. */
  has(...ids: string[]): boolean {
    return ids.some((id) => (this.families.get(id)?.signals.size ?? 0) > 0)
  }

  /** Times of the charted rows, in seconds. */
  times(): number[] {
    const out: number[] = []
    for (let k = this.from; k <= this.last; k++) out.push(this.reader.history.at(k) / 1000)
    return out
  }

  /** The values of `value` over the charted rows. */
  series(value: (k: number) => number): (number | null)[] {
    const out: (number | null)[] = []
    for (let k = this.from; k <= this.last; k++) out.push(rounded(value(k)))
    return out
  }

  /** One line per signal of a family, labelled by its `by` values (or `label` for a family of one). */
  lines(id: string, value: SignalValue, label = ''): StatusLine[] {
    return this.signals(id).map((signal) => ({ label: labelOf(signal, label), values: this.series((k) => value(signal, k)) }))
  }

  /** A value at the newest row: `value` of each signal of a family, combined (sum or max); NaN when none. */
  latest(id: string, value: SignalValue, combine: 'sum' | 'max' = 'sum'): number {
    let out = Number.NaN
    for (const signal of this.signals(id)) {
      const v = value(signal, this.last)
      if (Number.isNaN(v)) continue
      out = Number.isNaN(out) ? v : combine === 'max' ? Math.max(out, v) : out + v
    }
    return out
  }

  /** The sum of the series' own current values of a counter or histogram family (what /metrics shows). */
  raw(id: string): number {
    const signals = this.signals(id).filter((s) => s.present)
    return signals.length === 0 ? Number.NaN : signals.reduce((sum, s) => sum + s.raw, 0)
  }
}

/** A signal's line label: its `by` label values, or `fallback` when it has none. */
export function labelOf(signal: Signal, fallback: string): string {
  const values = Object.values(signal.labels)
  return values.length === 0 ? fallback : values.join(' ')
}
