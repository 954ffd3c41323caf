import { createMetrics, type Metrics } from '@intervai/metrics-core'
import { Registry } from 'prom-client'
import type { StatusData, StatusGroup } from '../src/data.js'
import { resolveStatusOptions } from '../src/options.js'
import { SamplerSource } from '../src/sampler-source.js'
import type { StatusPageOptions } from '../src/types.js'

/** Metrics on a registry of their own. */
export function freshMetrics(prefix = ''): Metrics {
  return createMetrics({ registry: new Registry(), prefix })
}

/** A sampler source that ticks only when told to, at the times given (ms). */
export function manualSource(metrics: Metrics, options: Omit<StatusPageOptions, 'metrics'> = {}): SamplerSource {
  return new SamplerSource(resolveStatusOptions({ intervalMs: 1000, alerts: { windows: { rate: '10s' } }, ...options, metrics }))
}

/** The ticks at these seconds, in order, each after `before(second)` ran. */
export async function tickAt(source: SamplerSource, seconds: readonly number[], before: (second: number) => void = () => {}): Promise<void> {
  for (const second of seconds) {
    before(second)
    await source.tick(second * 1000)
  }
}

/** A group of the data. */
export function groupOf(data: StatusData, id: string): StatusGroup {
  const group = data.groups.find((g) => g.id === id)
  if (group === undefined) throw new Error(`no group ${id}`)
  return group
}

/** The value of a stat of the data. */
export function statOf(data: StatusData, id: string): number | null {
  for (const group of data.groups) for (const stat of group.stats) if (stat.id === id) return stat.value
  throw new Error(`no stat ${id}`)
}

/** The lines of a chart of the data, by label. */
export function linesOf(data: StatusData, id: string): Record<string, (number | null)[]> {
  for (const group of data.groups) {
    for (const chart of group.charts) if (chart.id === id) return Object.fromEntries(chart.lines.map((l) => [l.label, l.values]))
  }
  throw new Error(`no chart ${id}`)
}
