import { describe, expect, it } from 'vitest'
import { bucketQuantile, counterIncrease, histogramIncrease } from '../src/math.js'

const BOUNDS = [0.1, 0.5, 1, 2]

describe('counterIncrease', () => {
  it('is the difference while the counter grows', () => {
    expect(counterIncrease(10, 25)).toBe(15)
    expect(counterIncrease(10, 10)).toBe(0)
  })

  it('counts everything after a reset (the counter restarted from 0)', () => {
    expect(counterIncrease(1000, 7)).toBe(7)
    expect(counterIncrease(1000, 0)).toBe(0)
  })
})

describe('histogramIncrease', () => {
  it('gives the increase of each bucket and of the sum', () => {
    const out = new Float64Array(5)
    expect(histogramIncrease([1, 2, 0, 0, 0], [3, 2, 1, 0, 1], 1.5, 9.5, out)).toBe(8)
    expect([...out]).toEqual([2, 0, 1, 0, 1])
  })

  it('takes the whole histogram as new when any bucket went down (a reset)', () => {
    const out = new Float64Array(5)
    expect(histogramIncrease([5, 5, 5, 5, 5], [1, 0, 7, 0, 0], 40, 2.5, out)).toBe(2.5)
    expect([...out]).toEqual([1, 0, 7, 0, 0])
  })
})

describe('bucketQuantile, as histogram_quantile()', () => {
  it('interpolates inside the bucket the rank falls in', () => {
    // 100 observations: 50 <= 0.1, 30 in (0.1, 0.5], 15 in (0.5, 1], 5 in (1, 2].
    const counts = [50, 30, 15, 5, 0]
    expect(bucketQuantile(0.5, BOUNDS, counts)).toBe(0.1)
    expect(bucketQuantile(0.25, BOUNDS, counts)).toBeCloseTo(0.05, 12)
    expect(bucketQuantile(0.65, BOUNDS, counts)).toBeCloseTo(0.3, 12)
    expect(bucketQuantile(0.95, BOUNDS, counts)).toBe(1)
    expect(bucketQuantile(0.99, BOUNDS, counts)).toBeCloseTo(1.8, 12)
  })

  it('is exactly the bound when the rank lands on it, so a threshold at a bound is not crossed', () => {
    // 95 of 100 at or under 2 s: p95 is 2, not above 2.
    expect(bucketQuantile(0.95, BOUNDS, [0, 0, 0, 95, 5])).toBe(2)
  })

  it('answers the highest finite bound when the rank falls in +Inf', () => {
    expect(bucketQuantile(0.99, BOUNDS, [90, 0, 0, 0, 10])).toBe(2)
  })

  it('has no value without observations (never 0/0)', () => {
    expect(bucketQuantile(0.95, BOUNDS, [0, 0, 0, 0, 0])).toBeNaN()
  })

  it('follows Prometheus outside 0..1 and for a malformed histogram', () => {
    expect(bucketQuantile(-0.1, BOUNDS, [1, 0, 0, 0, 0])).toBe(Number.NEGATIVE_INFINITY)
    expect(bucketQuantile(1.1, BOUNDS, [1, 0, 0, 0, 0])).toBe(Number.POSITIVE_INFINITY)
    expect(bucketQuantile(Number.NaN, BOUNDS, [1, 0, 0, 0, 0])).toBeNaN()
    expect(bucketQuantile(0.5, BOUNDS, [1, 0, 0])).toBeNaN()
  })
})
