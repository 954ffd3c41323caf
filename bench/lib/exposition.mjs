/**
 * One sample of a Prometheus text exposition.
 * @typedef {{ name: string, labels: Record<string, string>, value: number, series: string }} Sample
 *   series: the sample's identity, `name{labels}` as written (one line = one series)
 */

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \S+)?$/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

/**
 * Reads the samples of a Prometheus text (0.0.4) exposition; comments and blank lines are skipped.
 * Lenient on purpose: the strict parser the tests use lives in test/support/exposition.ts.
 * @param {string} text the body of a /metrics scrape
 * @returns {Sample[]}
 */
export function parseSamples(text) {
  const samples = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const match = SAMPLE.exec(line)
    if (!match) throw new Error(`cannot read the exposition line ${JSON.stringify(line)}`)
    const labels = {}
    for (const [, key, value] of (match[2] ?? '').matchAll(LABEL)) labels[key] = value.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c))
    samples.push({ name: match[1], labels, value: Number(match[3]), series: line.slice(0, line.length - match[3].length - 1) })
  }
  return samples
}

/**
 * Sum of the samples named `name` whose labels include every pair of `labels`.
 * @param {Sample[]} samples
 * @param {string} name sample name, e.g. `http_server_request_duration_seconds_count`
 * @param {Record<string, string>} [labels] label values to match (others are summed over)
 * @returns {number} 0 when no sample matches
 */
export function sumOf(samples, name, labels = {}) {
  let sum = 0
  for (const sample of samples) {
    if (sample.name !== name) continue
    if (Object.entries(labels).every(([key, value]) => sample.labels[key] === value)) sum += sample.value
  }
  return sum
}
