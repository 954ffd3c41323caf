import { describe, expect, it } from 'vitest'
import { DEFAULT_RUNBOOK_BASE, resolveStatusOptions } from '../src/options.js'
import { parseSelection } from '../src/selector.js'
import { freshMetrics } from './helpers.js'

const PKG = '@intervai/metrics-status'

describe('resolveStatusOptions', () => {
  it('fills in every default', () => {
    const metrics = freshMetrics()
    const o = resolveStatusOptions({ metrics })
    expect({ path: o.path, title: o.title, intervalMs: o.intervalMs, historyMs: o.historyMs, runbookBase: o.runbookBase, maxRoutes: o.maxRoutes, maxLines: o.maxLines }).toEqual({
      path: '/status',
      title: 'Status',
      intervalMs: 5000,
      historyMs: 3_600_000,
      runbookBase: DEFAULT_RUNBOOK_BASE,
      maxRoutes: 100,
      maxLines: 10,
    })
    expect(o.rateWindowMs).toBe(300_000)
    expect(o.quotaWindowMs).toBe(3_600_000)
    expect(o.alerts.for).toEqual({ critical: '5m', warning: '10m', info: '15m' })
    expect(o.source).toBeUndefined()
    expect(o.auth).toBeUndefined()
    expect(o.discoverBusiness).toBe(true)
  })

  it('takes the alert options of the alerts package, with the prefix of metrics', () => {
    const o = resolveStatusOptions({ metrics: freshMetrics('app_'), alerts: { thresholds: { apiErrorRatio: { critical: 0.2 } }, windows: { rate: '1m' } } })
    expect(o.alerts.prefix).toBe('app_')
    expect(o.alerts.thresholds.apiErrorRatio).toEqual({ critical: 0.2, warning: 0.01 })
    expect(o.rateWindowMs).toBe(60_000)
  })

  it.each([
    [{ path: 'status' }, 'option "path" must be a path such as "/status" (starting with "/", not ending with "/") (got "status")'],
    [{ path: '/status/' }, 'option "path" must be a path such as "/status"'],
    [{ intervalMs: 10 }, 'option "intervalMs" must be a whole number from 50 to 3600000 (got 10)'],
    [{ intervalMs: 5000, historyMs: 1000 }, 'option "historyMs" must be at least intervalMs (5000) (got 1000)'],
    [{ runbookBase: 'ftp://x' }, 'option "runbookBase" must be an http(s) URL (got "ftp://x")'],
    [{ auth: { bearer: '' } }, 'option "auth" must be'],
    [{ colour: 'red' }, 'option "colour" must be one of the options'],
    [{ alerts: { prefix: 'other_' } }, 'option "alerts.prefix" must be the prefix of "metrics" ("")'],
    [{ alerts: { for: { critical: 'soon' } } }, '@intervai/metrics-alerts: option "for.critical" must be a Prometheus duration'],
    [{ source: { prometheus: 'not a url' } }, 'option "source.prometheus" must be the http(s) URL of a Prometheus server'],
    [{ source: { prometheus: 'http://u:p@prom:9090' } }, 'option "source.prometheus" must be a URL without credentials (put them in source.headers)'],
    [{ source: { prometheus: 'http://prom:9090', headers: { authorization: 1 } } }, 'option "source.headers" must be an object of header name to string value'],
    [{ business: [{ title: 'x' }] }, 'option "business[0]" must be one of "rate", "average" or "ratio"'],
    [{ business: [{ title: 'x', rate: 'a_total', average: 'b' }] }, 'option "business[0]" must be one of "rate", "average" or "ratio"'],
    [{ business: [{ title: 'x', average: 'a', per: 'hour' }] }, 'option "business[0].per" must be left out unless the panel is a "rate" (got "hour")'],
    [{ business: [{ title: 'x', rate: 'a total' }] }, 'option "business[0].rate" must be a metric name with optional matchers'],
    [{ business: [{ title: 'x', rate: 'a_total', by: 'not a label' }] }, 'option "business[0].by" must be a label name'],
    [{ business: [{ title: 'x', rate: 'a_total', unit: 'furlongs' }] }, 'option "business[0].unit" must be one of count, ratio'],
  ])('rejects %j with an error naming the option', (options, message) => {
    expect(() => resolveStatusOptions({ metrics: freshMetrics(), ...options } as never)).toThrow(message)
  })

  it('names the package in every error', () => {
    expect(() => resolveStatusOptions({ metrics: freshMetrics(), maxLines: 0 })).toThrow(`${PKG}: option "maxLines"`)
  })
})

describe('parseSelection', () => {
  it('reads a metric name and its matchers as PromQL writes them', () => {
    expect(parseSelection(PKG, 'x', 'decisions_total{decision="accepted", kind!="test",  team=~"a|b"}')).toEqual({
      metric: 'decisions_total',
      matchers: [
        { label: 'decision', op: '=', value: 'accepted' },
        { label: 'kind', op: '!=', value: 'test' },
        { label: 'team', op: '=~', value: 'a|b' },
      ],
    })
    expect(parseSelection(PKG, 'x', 'jobs_total')).toEqual({ metric: 'jobs_total', matchers: [] })
    expect(parseSelection(PKG, 'x', 'jobs_total{note="a, \\"b\\""}').matchers).toEqual([{ label: 'note', op: '=', value: 'a, "b"' }])
  })

  it.each(['jobs total', 'jobs_total{', 'jobs_total{status=done}', 'jobs_total{status="done"', 'jobs_total{re=~"("}', '{a="b"}'])('rejects %s', (text) => {
    expect(() => parseSelection(PKG, 'business[0].rate', text)).toThrow('option "business[0].rate" must be a metric name with optional matchers')
  })
})
