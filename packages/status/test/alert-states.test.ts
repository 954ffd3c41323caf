import { resolveAlertOptions } from '@intervai/metrics-alerts'
import { alertCatalog, metricCatalog } from '@intervai/metrics-catalog'
import { describe, expect, it } from 'vitest'
import { AlertEvaluator, alertRules, nextState, type ActiveState } from '../src/alert-states.js'
import { measure } from '../src/sampler-groups.js'
import type { AlertStatus } from '../src/data.js'
import { freshMetrics, manualSource, tickAt } from './helpers.js'

const RULE = { threshold: 0.05, forMs: 3000 }

describe('one alerting rule, evaluated as Prometheus does', () => {
  it('goes pending when the value is strictly above the threshold, firing once it stayed so for `for`', () => {
    let state: ActiveState | undefined
    const seen: string[] = []
    for (const [at, value] of [[0, 0.06], [1000, 0.07], [2000, 0.06], [3000, 0.08], [4000, 0.06]] as const) {
      state = nextState(state, value, RULE, at)
      seen.push(state === undefined ? 'inactive' : state.firingAt === null ? `pending@${state.activeAt}` : `firing@${state.firingAt}`)
    }
    expect(seen).toEqual(['pending@0', 'pending@0', 'pending@0', 'firing@3000', 'firing@3000'])
  })

  it('goes back to inactive at the first value that is not above, and starts over after', () => {
    let state = nextState(undefined, 0.06, RULE, 0)
    state = nextState(state, 0.06, RULE, 3000)
    expect(state?.firingAt).toBe(3000)
    expect(nextState(state, 0.05, RULE, 4000)).toBeUndefined()
    expect(nextState(state, Number.NaN, RULE, 4000)).toBeUndefined()
    expect(nextState(undefined, 0.06, RULE, 5000)).toEqual({ activeAt: 5000, firingAt: null })
  })
})

describe('the rules of the page', () => {
  it('are every alert of the catalog at every severity it has, with the user thresholds and `for`', () => {
    const rules = alertRules(resolveAlertOptions({ thresholds: { apiErrorRatio: { critical: 0.2 } }, for: { critical: '1m' } }))
    const expected = Object.values(alertCatalog).reduce((n, spec) => n + Object.keys(spec.thresholds).length, 0)
    expect(rules.length).toBe(expected)
    expect(rules.find((r) => r.alert === 'ApiHighErrorRate' && r.severity === 'critical')).toMatchObject({ threshold: 0.2, for: '1m', forMs: 60_000 })
    expect(rules.find((r) => r.alert === 'ApiHighErrorRate' && r.severity === 'warning')).toMatchObject({ threshold: 0.01, for: '10m', forMs: 600_000 })
  })

  it('are each measured in-process (no alert of the catalog is left out)', async () => {
    const metrics = freshMetrics()
    const source = manualSource(metrics)
    await source.tick(0)
    const view = (source as unknown as { view(): Parameters<typeof measure>[0] }).view()
    const unknown = measure(view, 'noSuchAlert', 3_600_000)
    expect(unknown).toEqual([])
    // Each catalog key has a case of its own in measure(): with a value for each, none is empty.
    const duration = metrics.histogram(metricCatalog.http.requestDuration).labels('GET', '/', '500')
    const opened = metrics.counter(metricCatalog.ws.connectionsOpened).labels('api')
    const streams = metrics.histogram(metricCatalog.ws.streamDuration).labels('s', 'ok')
    metrics.gauge(metricCatalog.pg.poolMaxConnections).labels('main').set(10)
    metrics.gauge(metricCatalog.pg.poolConnections).labels('main', 'used').set(5)
    const queries = metrics.histogram(metricCatalog.pg.queryDuration).labels('main', 'SELECT', 'ok')
    const hits = metrics.counter(metricCatalog.quota.limitHits).labels('api')
    metrics.gauge(metricCatalog.system.cpuUtilization).labels().set(0.5)
    metrics.gauge(metricCatalog.system.memoryUtilization).labels().set(0.5)
    metrics.gauge(metricCatalog.system.filesystemUtilization).labels('/').set(0.5)
    metrics.gauge(metricCatalog.runtime.eventLoopDelayP99).labels().set(0.2)
    metrics.gauge(metricCatalog.runtime.eventLoopUtilization).labels().set(0.5)
    metrics.gauge(metricCatalog.runtime.heapUsed).labels().set(50)
    metrics.gauge(metricCatalog.runtime.heapLimit).labels().set(100)
    await source.tick(1000)
    duration.observe(1)
    opened.inc()
    streams.observe(1)
    queries.observe(0.1)
    hits.inc()
    await source.tick(2000)
    const view2 = (source as unknown as { view(): Parameters<typeof measure>[0] }).view()
    for (const key of Object.keys(alertCatalog)) expect(measure(view2, key, 3_600_000).length, key).toBe(1)
    expect(measure(view2, 'eventLoopDelayP99Seconds', 3_600_000)).toEqual([{ labels: {}, value: 0.2 }])
    expect(measure(view2, 'eventLoopUtilizationRatio', 3_600_000)).toEqual([{ labels: {}, value: 0.5 }])
    expect(measure(view2, 'heapUsageRatio', 3_600_000)).toEqual([{ labels: {}, value: 0.5 }])
  })
})

describe('alert states over sampler ticks', () => {
  const critical = (alerts: AlertStatus[]): AlertStatus | undefined => alerts.find((a) => a.alert === 'ApiHighErrorRate' && a.severity === 'critical')

  it('turns ApiHighErrorRate critical pending, then firing after `for`, then inactive when the errors stop', async () => {
    const metrics = freshMetrics()
    const duration = metrics.histogram(metricCatalog.http.requestDuration)
    const source = manualSource(metrics, { alerts: { windows: { rate: '2s' }, for: { critical: '3s' } } })
    const states: string[] = []
    for (const s of [0, 1, 2, 3, 4, 5, 6, 7]) {
      if (s > 0) {
        // 50 requests a second; 3 of them (6%) fail until second 4, none after.
        for (let i = 0; i < 47; i++) duration.labels('GET', '/jobs', '200').observe(0.01)
        for (let i = 0; i < 3; i++) duration.labels('GET', '/jobs', s <= 4 ? '504' : '200').observe(0.01)
      }
      await source.tick(s * 1000)
      const alert = critical((await source.data()).alerts)
      states.push(`${alert?.state}:${alert?.value}:${alert?.activeAt}:${alert?.firingAt}`)
    }
    expect(states).toEqual([
      'inactive:null:null:null',
      'pending:0.06:1000:null',
      'pending:0.06:1000:null',
      'pending:0.06:1000:null',
      'firing:0.06:1000:4000',
      // The 2 s window at second 5 holds second 4's errors: 3 of 100.
      'inactive:0.03:null:null',
      'inactive:0:null:null',
      'inactive:0:null:null',
    ])
  })

  it('lists firing alerts first, critical before warning, with since-when, threshold and runbook link', async () => {
    const metrics = freshMetrics()
    const duration = metrics.histogram(metricCatalog.http.requestDuration)
    const source = manualSource(metrics, { alerts: { windows: { rate: '2s' }, for: { critical: '1s', warning: '1s' } }, runbookBase: 'https://example.com/runbooks' })
    await tickAt(source, [0, 1, 2], (s) => {
      if (s === 0) return
      for (let i = 0; i < 90; i++) duration.labels('GET', '/x', '200').observe(0.01)
      for (let i = 0; i < 10; i++) duration.labels('GET', '/x', '500').observe(0.01)
    })
    const alerts = (await source.data()).alerts
    expect(alerts.slice(0, 2)).toEqual([
      {
        alert: 'ApiHighErrorRate',
        severity: 'critical',
        area: 'api',
        kind: 'ratio',
        measures: alertCatalog.apiErrorRatio.measures,
        labels: {},
        state: 'firing',
        value: 0.1,
        threshold: 0.05,
        for: '1s',
        activeAt: 1000,
        firingAt: 2000,
        runbook: 'https://example.com/runbooks#apihigherrorrate',
      },
      expect.objectContaining({ alert: 'ApiHighErrorRate', severity: 'warning', state: 'firing', threshold: 0.01 }),
    ])
    expect(alerts.slice(2).every((a) => a.state === 'inactive')).toBe(true)
  })

  it('evaluates instances separately: one pool above the threshold fires, the other stays inactive', () => {
    const rules = alertRules(resolveAlertOptions({ for: { critical: '1s' } })).filter((r) => r.alert === 'DatabasePoolNearlyExhausted')
    const evaluator = new AlertEvaluator(rules, 'https://runbooks')
    const values = (main: number, quota: number) => () => [
      { labels: { pool: 'main' }, value: main },
      { labels: { pool: 'quota' }, value: quota },
    ]
    evaluator.evaluate(0, values(1, 0.5))
    evaluator.evaluate(1000, values(1, 0.5))
    expect(evaluator.statuses().map((a) => `${a.labels.pool}:${a.state}`)).toEqual(['main:firing', 'quota:inactive'])
    evaluator.evaluate(2000, () => [{ labels: { pool: 'quota' }, value: 0.5 }])
    expect(evaluator.statuses().map((a) => `${a.labels.pool}:${a.state}`)).toEqual(['quota:inactive'])
  })
})
