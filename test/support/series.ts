import type { Parsed } from './exposition.js'

/**
 * Every sample called `name` as `{ 'label=value,...': value }`, labels in exposition order,
 * so one `toEqual` asserts the exact set of series and their values.
 */
export function seriesOf(parsed: Parsed, name: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const s of parsed.samples) {
    if (s.name !== name) continue
    const key = Object.entries(s.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')
    out[key] = s.value
  }
  return out
}
