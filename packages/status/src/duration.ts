const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/
const UNIT_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1]

/**
 * Milliseconds of a Prometheus duration (`30s`, `5m`, `1h30m`) that `resolveAlertOptions()`
 * already checked. Only here because the alerts package keeps its parser internal.
 */
export function durationMs(duration: string): number {
  const match = DURATION.exec(duration)
  if (match === null || duration === '') throw new TypeError(`not a Prometheus duration: ${JSON.stringify(duration)}`)
  let ms = 0
  for (let i = 0; i < UNIT_MS.length; i++) {
    const part = match[i + 1]
    if (part !== undefined) ms += Number(part) * (UNIT_MS[i] as number)
  }
  return ms
}
