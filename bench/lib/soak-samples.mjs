/**
 * One measurement of the service during a soak.
 * @typedef {{ atMs: number, rss: number, heapUsed: number, series: string[], scrapeMs: number, requests: number }} SoakSample
 *   atMs: time since the load started (negative: before it); rss, heapUsed: bytes, heap read right
 *   after a full garbage collection; series: every series of the scrape; scrapeMs: time to fetch
 *   and read /metrics; requests: HTTP requests the clients had answered by then
 */

/**
 * What the samples taken after the warm-up say: did the series or the heap after GC grow?
 * The baseline is the first sample taken at or after `warmupMs`; every later sample is compared with it.
 * @param {SoakSample[]} samples in time order
 * @param {{ warmupMs: number, heapGrowthBytes: number }} bounds heapGrowthBytes: the heap after GC
 *   may exceed the baseline by at most this much
 * @returns {{ baseline: SoakSample | undefined, newSeries: string[], seriesGrew: boolean,
 *   heapGrowth: number, heapGrew: boolean }} baseline: undefined when the run ended within its
 *   warm-up (nothing is judged then); newSeries: series absent from the baseline that a later sample
 *   has; heapGrowth: the largest heap after GC above the baseline's, in bytes
 */
export function judgeGrowth(samples, { warmupMs, heapGrowthBytes }) {
  const index = samples.findIndex((s) => s.atMs >= warmupMs)
  const baseline = index === -1 ? undefined : samples[index]
  if (baseline === undefined) return { baseline, newSeries: [], seriesGrew: false, heapGrowth: 0, heapGrew: false }
  const later = samples.slice(index + 1)
  const known = new Set(baseline.series)
  const newSeries = [...new Set(later.flatMap((s) => s.series.filter((key) => !known.has(key))))]
  const seriesGrew = later.some((s) => s.series.length > baseline.series.length)
  const heapGrowth = Math.max(0, ...later.map((s) => s.heapUsed - baseline.heapUsed))
  return { baseline, newSeries, seriesGrew, heapGrowth, heapGrew: heapGrowth > heapGrowthBytes }
}

/**
 * Formats bytes as MiB with one decimal.
 * @param {number} bytes
 * @returns {string}
 */
export function mib(bytes) {
  return (bytes / 1024 / 1024).toFixed(1)
}
