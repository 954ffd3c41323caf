import { OVERFLOW_LABEL } from '@intervai/metrics-catalog'
import { Ring } from './ring.js'

/**
 * What a family keeps per tick: a counter's running increase (from a counter, or a histogram's
 * count), a gauge's current value, or a histogram's running increase per bucket and of its sum.
 */
export type FamilyKind = 'counter' | 'gauge' | 'histogram'

/** A label matcher of a family: equality, inequality, or a regular expression matching the whole value. */
export interface Matcher {
  readonly label: string
  readonly op: '=' | '!=' | '=~'
  readonly value: string
}

/** What one family reads and keeps. */
export interface FamilySpec {
  /** Unique id, e.g. `http.requests`. */
  readonly id: string
  /** The metric names read (the prefixed name first; one metric feeds it). */
  readonly metrics: readonly string[]
  readonly kind: FamilyKind
  /** Series kept only when every matcher holds. @default [] */
  readonly where?: readonly Matcher[]
  /** Labels that split the family into one signal per value combination. @default [] (one signal) */
  readonly by?: readonly string[]
  /** How gauges of one signal combine. @default 'sum' */
  readonly combine?: 'sum' | 'max'
  /**
   * How far back each signal keeps rows: the charted history (and at least the rate window),
   * the rate window only (per-route tables), or the quota window. @default 'history'
   */
  readonly keep?: 'history' | 'rate' | 'quota'
  /** At most this many signals; later label values go to one `_other` signal. @default 20 */
  readonly limit?: number
}

/** One line of a family: the signals of one label combination. */
export class Signal {
  /** This tick: whether any series fed it. */
  present = false
  /** Ticks in a row without any series; the family drops it once its ring holds nothing else. */
  absentTicks = 0
  /** Counter: increase since the sampler started; gauge: the value this tick. */
  total = 0
  /** Counter and histogram: the sum of the series' own values this tick (what /metrics shows). */
  raw = 0
  /** Histogram: the sum of the series' own sums this tick. */
  rawSum = 0
  /** Histogram: increase per bucket since the sampler started, then of the sum. */
  readonly cumulative: Float64Array | undefined
  readonly ring: Ring

  constructor(
    readonly key: string,
    readonly labels: Readonly<Record<string, string>>,
    readonly kind: FamilyKind,
    capacity: number,
    /** Histogram: the finite bucket bounds. */
    readonly bounds: readonly number[] | undefined,
    private readonly combine: 'sum' | 'max',
    /**
     * Made after the sampler's first tick: every series that feeds it was created since the
     * previous tick, so the row before its first one counts as zero.
     */
    readonly bornLate: boolean,
  ) {
    const width = kind === 'histogram' ? (bounds as readonly number[]).length + 2 : 1
    this.ring = new Ring(capacity, width)
    this.cumulative = kind === 'histogram' ? new Float64Array(width) : undefined
  }

  /** Adds a counter increase (and the series' current value). */
  addIncrease(increase: number, current: number): void {
    this.present = true
    this.total += increase
    this.raw += current
  }

  /** Adds a gauge value. */
  addGauge(value: number): void {
    if (!this.present) {
      this.present = true
      this.total = value
    } else if (this.combine === 'max') this.total = Math.max(this.total, value)
    else this.total += value
  }

  /** Adds a histogram series' increase per bucket and of its sum (and its current count and sum). */
  addHistogram(increase: ArrayLike<number>, sumIncrease: number, count: number, sum: number): void {
    const cumulative = this.cumulative as Float64Array
    this.present = true
    const n = increase.length
    for (let i = 0; i < n; i++) (cumulative[i] as number) += increase[i] as number
    ;(cumulative[n] as number) += sumIncrease
    this.raw += count
    this.rawSum += sum
  }

  /** Starts a tick. */
  begin(): void {
    this.present = false
    this.raw = 0
    this.rawSum = 0
    if (this.kind === 'gauge') this.total = 0
  }

  /** Ends a tick: writes this tick's row (NaN when no series fed it). */
  end(): void {
    const row = this.ring.push()
    if (!this.present) {
      this.absentTicks++
      return
    }
    this.absentTicks = 0
    if (this.cumulative !== undefined) row.set(this.cumulative)
    else row[0] = this.total
  }
}

/** The signals of one spec, keyed by their `by` label values. */
export class Family {
  readonly signals = new Map<string, Signal>()
  private readonly limit: number
  private readonly tests: readonly { label: string; test: (value: string) => boolean }[]

  constructor(
    readonly spec: FamilySpec,
    private readonly capacity: number,
  ) {
    this.limit = spec.limit ?? 20
    this.tests = (spec.where ?? []).map(({ label, op, value }) => {
      if (op === '=') return { label, test: (v: string) => v === value }
      if (op === '!=') return { label, test: (v: string) => v !== value }
      const pattern = new RegExp(`^(?:${value})$`)
      return { label, test: (v: string) => pattern.test(v) }
    })
  }

  /** Whether a series with these labels belongs to the family. */
  matches(label: (name: string) => string): boolean {
    for (const { label: name, test } of this.tests) if (!test(label(name))) return false
    return true
  }

  /**
   * The signal a series with these labels feeds, made on first use; past `limit` signals,
   * new label values share one `_other` signal, so memory stays bounded whatever the labels.
   */
  signalFor(label: (name: string) => string, bounds: readonly number[] | undefined, bornLate: boolean): Signal | undefined {
    const by = this.spec.by ?? []
    const values = by.map(label)
    let key = values.join('\u0000')
    let signal = this.signals.get(key)
    if (signal !== undefined) return signal.bounds === undefined || signal.bounds.length === bounds?.length ? signal : undefined
    if (this.spec.kind === 'histogram' && bounds === undefined) return undefined
    if (this.signals.size >= this.limit) {
      key = by.map(() => OVERFLOW_LABEL).join('\u0000')
      signal = this.signals.get(key)
      if (signal !== undefined) return signal
      values.fill(OVERFLOW_LABEL)
    }
    const labels: Record<string, string> = {}
    by.forEach((name, i) => (labels[name] = values[i] as string))
    signal = new Signal(key, labels, this.spec.kind, this.capacity, this.spec.kind === 'histogram' ? bounds : undefined, this.spec.combine ?? 'sum', bornLate)
    this.signals.set(key, signal)
    return signal
  }

  /** Starts a tick for every signal. */
  begin(): void {
    for (const signal of this.signals.values()) signal.begin()
  }

  /** Ends a tick; drops the signals with nothing left in their ring. */
  end(): void {
    for (const [key, signal] of this.signals) {
      signal.end()
      if (signal.absentTicks >= signal.ring.capacity) this.signals.delete(key)
    }
  }

  /** Bytes held by the signals' rings. */
  get bytes(): number {
    let bytes = 0
    for (const signal of this.signals.values()) bytes += signal.ring.bytes
    return bytes
  }
}
