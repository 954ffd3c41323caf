import { Counter as PromCounter, Gauge as PromGauge, Histogram as PromHistogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { createMetrics } from '../src/index.js'
import { parseExposition, type Sample } from '../../../test/support/exposition.js'

const key = (s: Sample): string => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}=${s.value}`

/** Every series of both render paths, as comparable strings. */
async function bothPaths(registry: Registry, render: () => Promise<{ body: string }>): Promise<{ ours: string[]; theirs: string[] }> {
  const ours = parseExposition((await render()).body).samples.map(key).sort()
  const theirs = parseExposition(await registry.metrics()).samples.map(key).sort()
  return { ours, theirs }
}

function populate(registry: Registry) {
  const metrics = createMetrics({ registry, defaultLabels: { service: 'api' } })
  const jobs = metrics.counter({ name: 'jobs_total', help: 'Jobs', labelNames: ['s'] })
  const depth = metrics.gauge({ name: 'depth', help: 'Depth', labelNames: ['region'] })
  const latency = metrics.histogram({ name: 'latency_seconds', help: 'Latency', labelNames: ['route'], buckets: [0.1, 1] })
  jobs.labels('ok').inc(3)
  depth.labels('us').set(2)
  latency.labels('/a').observe(0.5)
  const foreign = new PromCounter({ name: 'signups_total', help: 'Signups', labelNames: ['plan', 'region'], registers: [registry] })
  foreign.inc({ plan: 'pro' }, 4)
  foreign.inc({ plan: 'free', region: 'us' }, 1)
  new PromGauge({ name: 'up_flag', help: 'Up', registers: [registry] }).set(1)
  new PromHistogram({ name: 'size_bytes', help: 'Size', buckets: [10], registers: [registry] }).observe(5)
  return metrics
}

describe('registry default labels', () => {
  it('renders series for series what registry.metrics() renders, with default labels set after createMetrics', async () => {
    const registry = new Registry()
    const metrics = populate(registry)
    registry.setDefaultLabels({ region: 'eu', zone: 'b' })
    const { ours, theirs } = await bothPaths(registry, () => metrics.render())
    expect(ours).toEqual(theirs)
    // The metric's own label wins over the registry's default of the same name, as in prom-client.
    expect(ours).toContain('depth[["region","us"],["service","api"],["zone","b"]]=2')
    expect(ours).toContain('jobs_total[["region","eu"],["s","ok"],["service","api"],["zone","b"]]=3')
    expect(ours).toContain('signups_total[["plan","pro"],["region","eu"],["zone","b"]]=4')
    expect(ours).toContain('up_flag[["region","eu"],["zone","b"]]=1')
    expect(ours).toHaveLength(3 + 5 + 3 + 2 + 1)
  })

  it('agrees with registry.metrics() with default labels set before createMetrics, and follows a change', async () => {
    const registry = new Registry()
    registry.setDefaultLabels({ region: 'eu' })
    const metrics = populate(registry)
    let { ours, theirs } = await bothPaths(registry, () => metrics.render())
    expect(ours).toEqual(theirs)
    registry.setDefaultLabels({ cluster: 'c1' })
    ;({ ours, theirs } = await bothPaths(registry, () => metrics.render()))
    expect(ours).toEqual(theirs)
    expect(ours).toContain('latency_seconds_count[["cluster","c1"],["route","/a"],["service","api"]]=1')
    registry.setDefaultLabels({})
    ;({ ours, theirs } = await bothPaths(registry, () => metrics.render()))
    expect(ours).toEqual(theirs)
    expect(ours).toContain('latency_seconds_count[["route","/a"],["service","api"]]=1')
  })

  it('adds the default labels in OpenMetrics too, escaped', async () => {
    const registry = new Registry()
    const metrics = populate(registry)
    registry.setDefaultLabels({ note: 'say "hi"\n' })
    const parsed = parseExposition((await metrics.render('application/openmetrics-text')).body)
    expect(parsed.eof).toBe(true)
    const jobs = parsed.samples.find((s) => s.name === 'jobs_total')
    expect(jobs?.labels).toEqual({ s: 'ok', service: 'api', note: 'say "hi"\n' })
    expect(parsed.samples.filter((s) => s.labels.note === 'say "hi"\n')).toHaveLength(14)
  })
})
