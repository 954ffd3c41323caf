import { optionError } from '@intervai/metrics-core'

const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/
const UNIT_SECONDS = [365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001]
const STRING = String.raw`(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|` + '`[^`]*`)'
const MATCHER = String.raw`\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(?:=~|!~|!=|=)\s*` + STRING + String.raw`\s*`
const MATCHERS = new RegExp(String.raw`^${MATCHER}(?:,${MATCHER})*,?\s*$`)

/** Seconds in a Prometheus duration such as `1h30m` (assumes it passed `checkDuration`). */
export function durationSeconds(duration: string): number {
  const match = DURATION.exec(duration)
  if (!match) throw new TypeError(`not a Prometheus duration: ${JSON.stringify(duration)}`)
  let seconds = 0
  for (let i = 0; i < UNIT_SECONDS.length; i++) {
    const part = match[i + 1]
    if (part !== undefined) seconds += Number(part) * (UNIT_SECONDS[i] as number)
  }
  return seconds
}

/** Throws unless `value` is a non-zero Prometheus duration (`30s`, `5m`, `1h30m`). */
export function checkDuration(pkg: string, option: string, value: unknown): string {
  if (typeof value !== 'string' || value === '' || !DURATION.test(value) || durationSeconds(value) === 0) {
    throw optionError(pkg, option, 'a Prometheus duration such as "30s", "5m" or "1h"', value)
  }
  return value
}

/**
 * Throws unless `value` is undefined or a list of PromQL label matchers (`job="api", env!~"dev|test"`),
 * with or without the surrounding braces; returns it without braces (or '').
 */
export function checkSelector(pkg: string, option: string, value: unknown): string {
  if (value === undefined) return ''
  if (typeof value !== 'string') throw optionError(pkg, option, 'PromQL label matchers such as job="api"', value)
  let inner = value.trim()
  if (inner.startsWith('{') && inner.endsWith('}')) inner = inner.slice(1, -1).trim()
  if (inner === '') return ''
  if (!MATCHERS.test(inner)) throw optionError(pkg, option, 'PromQL label matchers such as job="api"', value)
  return inner.replace(/,\s*$/, '')
}

/** A vector selector: the metric name with the configured matchers and any extra ones. */
export function selector(metric: string, ...matchers: string[]): string {
  const all = matchers.filter((m) => m !== '')
  return all.length === 0 ? metric : `${metric}{${all.join(', ')}}`
}

/** A grouping clause such as `by (job, pool)`; `by ()` when there is nothing to keep. */
export function by(labels: readonly string[]): string {
  return `by (${labels.join(', ')})`
}
