import { Counter as PromCounter, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { createMetrics } from '../src/index.js'
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from '../src/internal.js'
import { parseExposition, valueOf } from '../../../test/support/exposition.js'
import { promtoolCheckMetrics } from '../../../test/support/promtool.js'
import { findTool } from '../../../test/support/tools.js'

const HOSTILE = ['say "hi"', 'back\\slash', 'new\nline', '__proto__', 'constructor', '}{,=', '']

function sampleMetrics() {
  const registry = new Registry()
  const metrics = createMetrics({ registry, defaultLabels: { service: 'api "v1"' } })
  const counter = metrics.counter({ name: 'requests_total', help: 'Requests\nwith "quotes" and \\', labelNames: ['path'] })
  const gauge = metrics.gauge({ name: 'temperature', help: 'Temperature', labelNames: ['path'] })
  const histogram = metrics.histogram({ name: 'latency_seconds', help: 'Latency', labelNames: ['path'], buckets: [0.1, 1, 10] })
  HOSTILE.forEach((path, i) => {
    counter.labels(path).inc(i + 1)
    gauge.labels(path).set(-i - 0.5)
    histogram.labels(path).observe(i)
  })
  return { registry, metrics }
}

describe('exposition', () => {
  it('parses back in Prometheus text with hostile label values intact', async () => {
    const { metrics } = sampleMetrics()
    const { contentType, body } = await metrics.render()
    expect(contentType).toBe(PROMETHEUS_CONTENT_TYPE)
    const parsed = parseExposition(body)
    HOSTILE.forEach((path, i) => {
      expect(valueOf(parsed, 'requests_total', { service: 'api "v1"', path })).toBe(i + 1)
      expect(valueOf(parsed, 'temperature', { service: 'api "v1"', path })).toBe(-i - 0.5)
      expect(valueOf(parsed, 'latency_seconds_count', { service: 'api "v1"', path })).toBe(1)
      expect(valueOf(parsed, 'latency_seconds_bucket', { service: 'api "v1"', path, le: '1' })).toBe(i <= 1 ? 1 : 0)
      expect(valueOf(parsed, 'latency_seconds_bucket', { service: 'api "v1"', path, le: '+Inf' })).toBe(1)
    })
    expect(parsed.types.get('requests_total')).toBe('counter')
    expect(parsed.eof).toBe(false)
  })

  it('parses back in OpenMetrics when Accept asks for it', async () => {
    const { metrics } = sampleMetrics()
    const { contentType, body } = await metrics.render('application/openmetrics-text; version=1.0.0,text/plain;q=0.5')
    expect(contentType).toBe(OPENMETRICS_CONTENT_TYPE)
    const parsed = parseExposition(body)
    expect(parsed.eof).toBe(true)
    expect(parsed.types.get('requests')).toBe('counter')
    expect(valueOf(parsed, 'requests_total', { service: 'api "v1"', path: 'new\nline' })).toBe(3)
    expect(valueOf(parsed, 'latency_seconds_sum', { service: 'api "v1"', path: '}{,=' })).toBe(5)
  })

  it('passes promtool check metrics', async (context) => {
    const promtool = findTool('promtool')
    if (!promtool) return context.skip('promtool is not installed')
    const { metrics } = sampleMetrics()
    const { body } = await metrics.render()
    expect(promtoolCheckMetrics(promtool, body)).toEqual({ status: 0, output: '' })
  })

  it('renders the app’s own prom-client metrics next to ours, with registry default labels', async () => {
    const { registry, metrics } = sampleMetrics()
    registry.setDefaultLabels({ region: 'eu' })
    const own = new PromCounter({ name: 'signups_total', help: 'Signups', labelNames: ['plan'], registers: [registry] })
    own.inc({ plan: 'pro' }, 4)
    const text = parseExposition((await metrics.render()).body)
    expect(valueOf(text, 'signups_total', { plan: 'pro', region: 'eu' })).toBe(4)
    const om = parseExposition((await metrics.render('application/openmetrics-text')).body)
    expect(om.types.get('signups')).toBe('counter')
    expect(valueOf(om, 'signups_total', { plan: 'pro', region: 'eu' })).toBe(4)
  })

  it('samples gauges at scrape time through collectors, and counts a failing collector', async () => {
    const registry = new Registry()
    const metrics = createMetrics({ registry, onError: () => {} })
    const gauge = metrics.gauge({ name: 'queue_depth', help: 'Depth', labelNames: ['queue'] })
    let depth = 0
    const undo = gauge.onCollect((g) => g.labels('jobs').set(depth))
    gauge.onCollect(() => {
      throw new Error('source unavailable')
    })
    depth = 7
    let parsed = parseExposition((await metrics.render()).body)
    expect(valueOf(parsed, 'queue_depth', { queue: 'jobs' })).toBe(7)
    expect(valueOf(parsed, 'instrumentation_errors_total', { component: 'core' })).toBe(1)
    undo()
    depth = 9
    parsed = parseExposition((await metrics.render()).body)
    expect(valueOf(parsed, 'queue_depth', { queue: 'jobs' })).toBe(7)
  })

  it('drops NaN observations and negative increments without throwing, and counts them', async () => {
    const registry = new Registry()
    const metrics = createMetrics({ registry, onError: () => {} })
    const histogram = metrics.histogram({ name: 'h_seconds', help: 'h', buckets: [1] })
    const counter = metrics.counter({ name: 'c_total', help: 'c' })
    histogram.labels().observe(Number.NaN)
    counter.labels().inc(-1)
    histogram.labels().observe(0.5)
    const parsed = parseExposition((await metrics.render()).body)
    expect(valueOf(parsed, 'h_seconds_count')).toBe(1)
    expect(valueOf(parsed, 'c_total')).toBe(0)
    expect(valueOf(parsed, 'instrumentation_errors_total', { component: 'core' })).toBe(2)
  })

  it('renders 10,000 histogram series with the same figures as prom-client', async () => {
    const registry = new Registry()
    const metrics = createMetrics({ registry })
    const histogram = metrics.histogram({ name: 'h_seconds', help: 'h', labelNames: ['route', 'status'], buckets: [0.1, 1] })
    for (let i = 0; i < 10_000; i++) histogram.labels(`/r${i % 1000}`, String(200 + Math.floor(i / 1000))).observe(i / 5000)
    const ours = parseExposition((await metrics.render()).body).samples
    const theirs = parseExposition(await registry.metrics()).samples
    const key = (s: { name: string; labels: Record<string, string>; value: number }) =>
      `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}=${s.value}`
    expect(ours.length).toBe(10_000 * 5)
    expect(new Set(ours.map(key))).toEqual(new Set(theirs.map(key)))
  })
})
