/**
 * Median of a list of numbers (mean of the two middle values for an even count).
 * @param {number[]} values
 * @returns {number} NaN for an empty list
 */
export function median(values) {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * Value at quantile q (0..1) of a list, nearest-rank method.
 * @param {number[]} values
 * @param {number} q quantile, 0..1
 * @returns {number} NaN for an empty list
 */
export function quantile(values, q) {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank]
}

/**
 * Per-round ratios of one variant to a baseline: `values[i] / baseline[i]`, pairing the
 * rounds in order (both arrays from the same alternated rounds).
 * @param {number[]} values the variant's figure per round
 * @param {number[]} baseline the baseline's figure per round
 * @returns {number[]}
 */
export function ratios(values, baseline) {
  const n = Math.min(values.length, baseline.length)
  const out = []
  for (let i = 0; i < n; i++) out.push(values[i] / baseline[i])
  return out
}

/**
 * Median of the per-round ratios of a variant to a baseline (see {@link ratios}).
 * @param {number[]} values the variant's figure per round
 * @param {number[]} baseline the baseline's figure per round
 * @returns {number}
 */
export function medianRatio(values, baseline) {
  return median(ratios(values, baseline))
}

/**
 * Formats a number with a fixed count of decimals (`'n/a'` for NaN/undefined).
 * @param {number | undefined} value
 * @param {number} [digits=2] decimals
 * @returns {string}
 */
export function fmt(value, digits = 2) {
  return value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits)
}

/**
 * Formats a ratio as `1.03×`.
 * @param {number} value
 * @param {number} [digits=2] decimals
 * @returns {string}
 */
export function fmtRatio(value, digits = 2) {
  return `${fmt(value, digits)}×`
}

/**
 * Renders a markdown table.
 * @param {string[]} headers column titles
 * @param {Array<Array<string | number>>} rows cells, one array per row (numbers printed as is)
 * @returns {string} the table, lines joined with `\n`, no trailing newline
 */
export function markdownTable(headers, rows) {
  const line = (cells) => `| ${cells.map((c) => String(c)).join(' | ')} |`
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n')
}
