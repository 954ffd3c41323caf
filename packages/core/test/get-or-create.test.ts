import { Counter as PromCounter, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { createMetrics } from '../src/index.js'

describe('get-or-create', () => {
  it('returns the same counter for the same name, type and labels', () => {
    const registry = new Registry()
    const a = createMetrics({ registry }).counter({ name: 'jobs_total', help: 'Jobs', labelNames: ['status'] })
    const b = createMetrics({ registry }).counter({ name: 'jobs_total', help: 'Jobs again', labelNames: ['status'] })
    expect(b).toBe(a)
    a.labels('ok').inc()
    b.labels('ok').inc(2)
    expect(a.labels('ok').value).toBe(3)
  })

  it('throws an error naming both definitions when the labels differ', () => {
    const metrics = createMetrics({ registry: new Registry() })
    metrics.counter({ name: 'jobs_total', help: 'Jobs', labelNames: ['status'] })
    expect(() => metrics.counter({ name: 'jobs_total', help: 'Jobs', labelNames: ['queue'] })).toThrow(
      'metric "jobs_total" is already defined as counter jobs_total{status}; cannot define it again as counter jobs_total{queue}',
    )
  })

  it('throws when the type differs', () => {
    const metrics = createMetrics({ registry: new Registry() })
    metrics.gauge({ name: 'depth', help: 'Depth' })
    expect(() => metrics.counter({ name: 'depth', help: 'Depth' })).toThrow('already defined as gauge depth{}; cannot define it again as counter depth{}')
  })

  it('throws when histogram buckets differ', () => {
    const metrics = createMetrics({ registry: new Registry() })
    metrics.histogram({ name: 'lat_seconds', help: 'Latency', buckets: [1, 2] })
    expect(() => metrics.histogram({ name: 'lat_seconds', help: 'Latency', buckets: [1, 3] })).toThrow(
      'already defined as histogram lat_seconds{} buckets [1,2]; cannot define it again as histogram lat_seconds{} buckets [1,3]',
    )
  })

  it('names a metric that prom-client created as one made elsewhere', () => {
    const registry = new Registry()
    new PromCounter({ name: 'legacy_total', help: 'Legacy', registers: [registry] })
    expect(() => createMetrics({ registry }).counter({ name: 'legacy_total', help: 'Legacy' })).toThrow(
      'metric "legacy_total" is already defined as a counter created elsewhere (not through createMetrics)',
    )
  })

  it('puts the prefix in front of every name', () => {
    const registry = new Registry()
    createMetrics({ registry, prefix: 'app_' }).counter({ name: 'jobs_total', help: 'Jobs' })
    expect(registry.getSingleMetric('app_jobs_total')).toBeDefined()
    expect(registry.getSingleMetric('app_instrumentation_errors_total')).toBeDefined()
  })

  it('keeps labelled series apart even when values contain separators', () => {
    const counter = createMetrics({ registry: new Registry() }).counter({ name: 'c_total', help: 'c', labelNames: ['a', 'b'] })
    counter.labels('x\u0000', 'y').inc()
    counter.labels('x', '\u0000y').inc()
    expect(counter.size).toBe(2)
  })

  it('removes series, including by partial match', () => {
    const gauge = createMetrics({ registry: new Registry() }).gauge({ name: 'g', help: 'g', labelNames: ['pool', 'state'] })
    gauge.labels('a', 'idle').set(1)
    gauge.labels('a', 'used').set(2)
    gauge.labels('b', 'idle').set(3)
    expect(gauge.removeMatching({ pool: 'a' })).toBe(2)
    expect(gauge.size).toBe(1)
    expect(gauge.remove('b', 'idle')).toBe(true)
    expect(gauge.remove('b', 'idle')).toBe(false)
    expect(gauge.size).toBe(0)
  })

  it('serves prom-client tooling through get()', async () => {
    const registry = new Registry()
    const h = createMetrics({ registry }).histogram({ name: 'h_seconds', help: 'h', labelNames: ['route'], buckets: [0.1, 1] })
    h.labels('/a').observe(0.5)
    const text = await registry.metrics()
    expect(text).toContain('h_seconds_bucket{route="/a",le="0.1"} 0')
    expect(text).toContain('h_seconds_bucket{route="/a",le="1"} 1')
    expect(text).toContain('h_seconds_count{route="/a"} 1')
  })
})
