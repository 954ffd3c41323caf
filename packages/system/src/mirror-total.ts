import type { CounterSeries } from '@intervai/metrics-core'

const lastTotals = new WeakMap<CounterSeries, number>()

/**
 * Advances a counter series to a total the kernel keeps. The series grows by the change since
 * the last reading; a first reading, or a total that went backwards (the device was re-created),
 * counts from zero, so the series never decreases. The last reading belongs to the series, so
 * two collectors mirroring one total into it add it once.
 */
export function mirrorTotal(series: CounterSeries, total: number): void {
  const last = lastTotals.get(series)
  series.inc(last === undefined || total < last ? total : total - last)
  lastTotals.set(series, total)
}
