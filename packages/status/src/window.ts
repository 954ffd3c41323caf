import type { Signal } from './family.js'
import { bucketQuantile } from './math.js'
import type { Ring } from './ring.js'

/**
 * Values over a time window, read from the rings, with the semantics of the Prometheus rules:
 * rates and ratios from the increase between the oldest row inside the window and the row at
 * `k`, no value without two rows or without traffic (never 0/0), nothing extrapolated.
 * Rows are addressed by their index in the history (0 = oldest tick kept).
 */
export class WindowReader {
  constructor(
    readonly history: Ring,
    readonly windowMs: number,
  ) {}

  /** Column `column` of a signal's row at history index `k` (NaN when it had no series then). */
  valueAt(signal: Signal, k: number, column = 0): number {
    const index = k - (this.history.size - signal.ring.size)
    if (index === -1 && signal.bornLate && !signal.ring.wrapped && k >= 0) return 0
    return signal.ring.at(index, column)
  }

  /** The history index a window ending at `k` starts from, for this signal; undefined without an earlier row. */
  startOf(signal: Signal, k: number, windowMs = this.windowMs): number | undefined {
    const from = this.history.at(k) - windowMs
    let lo = 0
    let hi = k
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.history.at(mid) < from) lo = mid + 1
      else hi = mid
    }
    for (let j = lo; j < k; j++) if (!Number.isNaN(this.valueAt(signal, j))) return j
    return undefined
  }

  /** A counter's value, or a histogram's count, at history index `k`. */
  countAt(signal: Signal, k: number): number {
    if (signal.kind !== 'histogram') return this.valueAt(signal, k)
    const buckets = (signal.bounds as readonly number[]).length + 1
    let count = 0
    for (let i = 0; i < buckets; i++) count += this.valueAt(signal, k, i)
    return count
  }

  /** Increase of a counter signal (a histogram's count) over the window ending at `k`, and the seconds it spans. */
  increaseAt(signal: Signal, k: number, windowMs = this.windowMs): { increase: number; seconds: number } | undefined {
    const end = this.countAt(signal, k)
    if (Number.isNaN(end)) return undefined
    const start = this.startOf(signal, k, windowMs)
    if (start === undefined) return undefined
    return { increase: end - this.countAt(signal, start), seconds: (this.history.at(k) - this.history.at(start)) / 1000 }
  }

  /** Per-second rate of a counter signal or of a histogram's count (times `per`: 60 for per minute). NaN without two rows. */
  rateAt(signal: Signal, k: number, per = 1): number {
    const window = this.increaseAt(signal, k)
    return window === undefined || window.seconds <= 0 ? Number.NaN : (window.increase / window.seconds) * per
  }

  /**
   * `numerator / denominator` (or `/ (denominator + numerator)`) of two counter rates; a
   * missing side counts as 0 when the other has a value (the rules' `or … * 0`), and a total
   * that did not move gives no value.
   */
  ratioAt(numerator: Signal | undefined, denominator: Signal | undefined, k: number, addNumerator = false): number {
    const num = numerator === undefined ? Number.NaN : this.rateAt(numerator, k)
    const den = denominator === undefined ? Number.NaN : this.rateAt(denominator, k)
    if (Number.isNaN(num) && Number.isNaN(den)) return Number.NaN
    const n = Number.isNaN(num) ? 0 : num
    const d = Number.isNaN(den) ? 0 : den
    const total = addNumerator ? d + n : d
    return total > 0 ? n / total : Number.NaN
  }

  /** Where the window of a histogram signal starts, and how many observations it holds. */
  private histogramWindow(signal: Signal, k: number): { start: number; count: number } | undefined {
    const end = this.countAt(signal, k)
    if (Number.isNaN(end)) return undefined
    const start = this.startOf(signal, k)
    if (start === undefined) return undefined
    return { start, count: end - this.countAt(signal, start) }
  }

  /** Average observation over the window (increase of the sum / of the count); no value without observations. */
  averageAt(signal: Signal, k: number): number {
    const window = this.histogramWindow(signal, k)
    if (window === undefined || !(window.count > 0)) return Number.NaN
    const column = (signal.bounds as readonly number[]).length + 1
    return (this.valueAt(signal, k, column) - this.valueAt(signal, window.start, column)) / window.count
  }

  /** φ-quantile of the observations over the window, as `histogram_quantile()` over `rate()`. */
  quantileAt(signal: Signal, q: number, k: number): number {
    const window = this.histogramWindow(signal, k)
    if (window === undefined || !(window.count > 0)) return Number.NaN
    const bounds = signal.bounds as readonly number[]
    const counts = new Float64Array(bounds.length + 1)
    for (let i = 0; i < counts.length; i++) counts[i] = this.valueAt(signal, k, i) - this.valueAt(signal, window.start, i)
    return bucketQuantile(q, bounds, counts)
  }
}
