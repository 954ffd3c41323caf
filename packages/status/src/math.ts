/**
 * How much a counter went up from `previous` to `current`. A drop means the counter restarted
 * from zero (a process restart, `registry.resetMetrics()`): all of `current` is new, as
 * Prometheus's `rate()` and `increase()` count it.
 */
export function counterIncrease(previous: number, current: number): number {
  return current >= previous ? current - previous : current
}

/**
 * Writes into `out` how much each bucket of a histogram series went up, and returns the
 * increase of its sum. A histogram resets as a whole: when its count or any bucket went down,
 * everything it holds now is new.
 * @param previous the last counts seen (non-cumulative, the last slot is +Inf)
 * @param current the counts now
 */
export function histogramIncrease(previous: ArrayLike<number>, current: ArrayLike<number>, previousSum: number, currentSum: number, out: Float64Array): number {
  const n = current.length
  let reset = false
  for (let i = 0; i < n; i++) {
    if ((current[i] as number) < (previous[i] as number)) {
      reset = true
      break
    }
  }
  if (reset) {
    for (let i = 0; i < n; i++) out[i] = current[i] as number
    return currentSum
  }
  for (let i = 0; i < n; i++) out[i] = (current[i] as number) - (previous[i] as number)
  return currentSum - previousSum
}

/**
 * The φ-quantile of observations counted in buckets, as Prometheus's `histogram_quantile()`
 * computes it (promql/quantile.go, `bucketQuantile`): linear interpolation inside the bucket
 * the rank falls in, starting from 0 for the first bucket; the highest finite bound when the
 * rank falls in +Inf; NaN without observations.
 * @param q the quantile, 0..1
 * @param bounds the finite upper bounds, increasing
 * @param counts non-cumulative counts per bucket, `bounds.length + 1` of them (the last is +Inf)
 */
export function bucketQuantile(q: number, bounds: ArrayLike<number>, counts: ArrayLike<number>): number {
  if (Number.isNaN(q)) return Number.NaN
  if (q < 0) return Number.NEGATIVE_INFINITY
  if (q > 1) return Number.POSITIVE_INFINITY
  const finite = bounds.length
  if (finite < 1 || counts.length !== finite + 1) return Number.NaN
  let total = 0
  for (let i = 0; i <= finite; i++) total += counts[i] as number
  if (!(total > 0)) return Number.NaN
  const rank = q * total
  let below = 0
  for (let b = 0; b < finite; b++) {
    const inBucket = counts[b] as number
    if (below + inBucket >= rank) {
      const end = bounds[b] as number
      if (b === 0 && end <= 0) return end
      const start = b === 0 ? 0 : (bounds[b - 1] as number)
      return start + (end - start) * ((rank - below) / inBucket)
    }
    below += inBucket
  }
  return bounds[finite - 1] as number
}
