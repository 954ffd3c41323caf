const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/
const UNIT_SECONDS = [365 * 86400, 7 * 86400, 86400, 3600, 60, 1, 0.001]

/** Whether `text` is a Prometheus duration such as `1h30m` (zero included). */
export function isDuration(text: string): boolean {
  return text !== '' && DURATION.test(text)
}

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

/** A vector selector: the metric name with the configured matchers and any extra ones. */
export function selector(metric: string, ...matchers: string[]): string {
  const all = matchers.filter((m) => m !== '')
  return all.length === 0 ? metric : `${metric}{${all.join(', ')}}`
}

/** A grouping clause such as `by (job, pool)`; `by ()` when there is nothing to keep. */
export function by(labels: readonly string[]): string {
  return `by (${labels.join(', ')})`
}
