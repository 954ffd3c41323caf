import { metricCatalog } from '@intervai/metrics-catalog'
import client from 'prom-client'
import { describe, expect, it } from 'vitest'
import { freshMetrics, groupOf, linesOf, manualSource, statOf, tickAt } from './helpers.js'

const { http, pg, ws } = metricCatalog

describe('the sampler', () => {
  it('turns counter increases between ticks into rates over the window', async () => {
    const metrics = freshMetrics()
    const ok = metrics.histogram(http.requestDuration).labels('GET', '/a', '200')
    const source = manualSource(metrics)
    await tickAt(source, [0, 1, 2, 3, 4], (s) => {
      for (let i = 0; i < (s === 0 ? 0 : 10); i++) ok.observe(0.02)
    })
    const data = await source.data()
    expect(linesOf(data, 'api.rps')).toEqual({ requests: [null, 10, 10, 10, 10] })
    expect(statOf(data, 'api.requests')).toBe(40)
    expect(statOf(data, 'api.rps')).toBe(10)
    expect(data.t).toEqual([0, 1, 2, 3, 4])
  })

  it('counts a counter reset as the increase from zero, never as a drop', async () => {
    const metrics = freshMetrics()
    const jobs = metrics.counter({ name: 'jobs_total', help: 'jobs' })
    jobs.inc(undefined, 100)
    const source = manualSource(metrics)
    await tickAt(source, [0, 1, 2], (s) => {
      if (s === 1) jobs.inc(undefined, 30)
      if (s === 2) {
        jobs.reset()
        jobs.inc(undefined, 7)
      }
    })
    const data = await source.data()
    // Per minute: 30 in the first second; 37 over two seconds.
    expect(linesOf(data, 'business.jobs_total')).toEqual({ jobs_total: [null, 1800, 1110] })
    expect(statOf(data, 'business.jobs_total')).toBe(7)
  })

  it('counts in full a series first seen after the first tick (it was created since the previous one)', async () => {
    const metrics = freshMetrics()
    const duration = metrics.histogram(http.requestDuration)
    const ok = duration.labels('POST', '/jobs', '200')
    const source = manualSource(metrics)
    await tickAt(source, [0, 1], (s) => {
      if (s !== 1) return
      for (let i = 0; i < 57; i++) ok.observe(0.01)
      for (let i = 0; i < 3; i++) duration.labels('POST', '/jobs', '504').observe(1.2)
    })
    const data = await source.data()
    expect(linesOf(data, 'api.errorRatio')).toEqual({ '5xx': [null, 0.05] })
    expect(statOf(data, 'api.errors')).toBe(3)
  })

  it('keeps rates right when a series disappears and comes back', async () => {
    const metrics = freshMetrics()
    const queued = metrics.counter({ name: 'queued_total', help: 'queued', labelNames: ['queue'] })
    queued.labels('a').inc(10)
    queued.labels('b').inc(10)
    const source = manualSource(metrics)
    await tickAt(source, [0, 1, 2], (s) => {
      if (s === 1) {
        queued.labels('a').inc(5)
        queued.remove('b')
      }
      if (s === 2) queued.labels('b').inc(2)
    })
    const data = await source.data()
    expect(linesOf(data, 'business.queued_total')).toEqual({ queued_total: [null, 300, 210] })
    expect(statOf(data, 'business.queued_total')).toBe(17)
  })

  it('computes quantiles from the bucket increases of the window only', async () => {
    const metrics = freshMetrics()
    const ok = metrics.histogram(http.requestDuration).labels('GET', '/slow', '200')
    for (let i = 0; i < 100; i++) ok.observe(0.004)
    const source = manualSource(metrics)
    await tickAt(source, [0, 1], (s) => {
      if (s === 1) for (let i = 0; i < 20; i++) ok.observe(3)
    })
    const data = await source.data()
    // 20 observations in (2, 5]: p50 = 2 + 3 × 10/20, p95 = 2 + 3 × 19/20; the 100 fast ones
    // made before the first tick are outside the window.
    expect(linesOf(data, 'api.latency')).toEqual({ p50: [null, 3.5], p95: [null, 4.85], p99: [null, 4.97] })
    expect(groupOf(data, 'api').tables[0]?.rows).toEqual([{ method: 'GET', route: '/slow', rps: 20, errorRatio: 0, p95: 4.85, average: 3 }])
  })

  it('shows no value when the window holds no traffic, never 0/0', async () => {
    const metrics = freshMetrics()
    const ok = metrics.histogram(http.requestDuration).labels('GET', '/a', '200')
    const source = manualSource(metrics)
    await tickAt(source, [0, 1, 12, 13], (s) => {
      if (s === 1) ok.observe(0.1)
    })
    const data = await source.data()
    expect(linesOf(data, 'api.errorRatio')).toEqual({ '5xx': [null, 0, null, null] })
    expect(linesOf(data, 'api.latency').p95).toEqual([null, 0.0975, null, null])
    const critical = data.alerts.find((a) => a.alert === 'ApiHighErrorRate' && a.severity === 'critical')
    expect(critical).toMatchObject({ state: 'inactive', value: null, labels: {} })
  })

  it('reads gauges as they are: pool usage per pool', async () => {
    const metrics = freshMetrics()
    const connections = metrics.gauge(pg.poolConnections)
    const max = metrics.gauge(pg.poolMaxConnections)
    max.labels('main').set(10)
    connections.labels('main', 'used').set(9)
    connections.labels('main', 'idle').set(1)
    const source = manualSource(metrics)
    await source.tick(0)
    let data = await source.data()
    expect(linesOf(data, 'database.poolUsage')).toEqual({ main: [0.9] })
    expect(data.alerts.find((a) => a.alert === 'DatabasePoolNearlyExhausted')).toMatchObject({ state: 'inactive', value: 0.9, labels: { pool: 'main' } })
    connections.labels('main', 'used').set(10)
    await source.tick(1000)
    data = await source.data()
    expect(data.alerts.find((a) => a.alert === 'DatabasePoolNearlyExhausted')).toMatchObject({ state: 'pending', value: 1, labels: { pool: 'main' }, activeAt: 1000 })
    expect(statOf(data, 'database.inUse')).toBe(10)
  })

  it("reads the app's own prom-client metrics through their public get()", async () => {
    const metrics = freshMetrics()
    const orders = new client.Counter({ name: 'orders_total', help: 'orders', labelNames: ['kind'], registers: [metrics.registry] })
    const basket = new client.Histogram({ name: 'basket_size', help: 'items per basket', buckets: [1, 5, 10], registers: [metrics.registry] })
    orders.inc({ kind: 'web' }, 4)
    const source = manualSource(metrics)
    await tickAt(source, [0, 2], (s) => {
      if (s !== 2) return
      orders.inc({ kind: 'web' }, 6)
      orders.inc({ kind: 'app' }, 4)
      basket.observe(2)
      basket.observe(4)
    })
    const data = await source.data()
    expect(linesOf(data, 'business.orders_total')).toEqual({ orders_total: [null, 300] })
    expect(statOf(data, 'business.orders_total')).toBe(14)
    expect(linesOf(data, 'business.basket_size')).toEqual({ basket_size: [null, 3] })
  })

  it('derives the configured business panels: a rate per hour by label, an average, a ratio', async () => {
    const metrics = freshMetrics()
    const finished = metrics.counter({ name: 'optimizations_total', help: 'o', labelNames: ['status'] })
    const suggestions = metrics.histogram({ name: 'suggestions_per_optimization', help: 's', buckets: [1, 2, 5] })
    const decisions = metrics.counter({ name: 'decisions_total', help: 'd', labelNames: ['decision'] })
    const source = manualSource(metrics, {
      business: [
        { title: 'Optimizations per hour', rate: 'optimizations_total', per: 'hour', by: 'status' },
        { title: 'Suggestions per optimization', average: 'suggestions_per_optimization' },
        { title: 'Acceptance rate', ratio: { numerator: 'decisions_total{decision="accepted"}', denominator: 'decisions_total' } },
      ],
    })
    finished.labels('completed')
    decisions.labels('accepted')
    await tickAt(source, [0, 10], (s) => {
      if (s !== 10) return
      finished.labels('completed').inc(3)
      finished.labels('failed').inc(1)
      suggestions.labels().observe(2)
      suggestions.labels().observe(4)
      decisions.labels('accepted').inc(3)
      decisions.labels('rejected').inc(1)
    })
    const data = await source.data()
    expect(linesOf(data, 'business.0')).toEqual({ completed: [null, 1080], failed: [null, 360] })
    expect(linesOf(data, 'business.1')).toEqual({ 'Suggestions per optimization': [null, 3] })
    expect(linesOf(data, 'business.2')).toEqual({ 'Acceptance rate': [null, 0.75] })
    expect(groupOf(data, 'business').charts.map((c) => c.id)).toEqual(['business.0', 'business.1', 'business.2'])
  })

  it('keeps at most maxLines lines per chart and maxRoutes routes, the rest in one _other', async () => {
    const metrics = freshMetrics()
    const active = metrics.gauge(ws.connectionsActive)
    const duration = metrics.histogram(http.requestDuration)
    for (const server of ['a', 'b', 'c', 'd']) active.labels(server).set(1)
    const routes = ['/1', '/2', '/3', '/4'].map((route) => duration.labels('GET', route, '200'))
    const source = manualSource(metrics, { maxLines: 2, maxRoutes: 2 })
    await tickAt(source, [0, 1], () => {
      for (const route of routes) route.observe(0.01)
    })
    const data = await source.data()
    expect(linesOf(data, 'websocket.active')).toEqual({ a: [1, 1], b: [1, 1], _other: [2, 2] })
    expect(groupOf(data, 'api').tables[0]?.rows.map((r) => `${r.method} ${r.route} ${r.rps}`)).toEqual(['_other _other 2', 'GET /1 1', 'GET /2 1'])
  })

  it('holds the same memory after hours of ticks as once its rings are full', async () => {
    const metrics = freshMetrics()
    const ok = metrics.histogram(http.requestDuration).labels('GET', '/a', '200')
    const source = manualSource(metrics, { historyMs: 20_000, alerts: { windows: { rate: '10s', quota: '10s' } } })
    await tickAt(source, Array.from({ length: 30 }, (_, i) => i), () => ok.observe(0.01))
    const full = source.sampler.bytes
    await tickAt(source, Array.from({ length: 3600 }, (_, i) => 30 + i), () => ok.observe(0.01))
    expect(source.sampler.bytes).toBe(full)
    const data = await source.data()
    expect(data.t.length).toBe(21)
    expect(statOf(data, 'api.requests')).toBe(3630)
  })
})
