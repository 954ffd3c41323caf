import { afterEach, describe, expect, it, vi } from 'vitest'
import { metricCatalog } from '@intervai/metrics-catalog'
import { createMetrics } from '@intervai/metrics-core'
import { quotaHooks } from '../src/fastify-entry.js'
import { quotaMetrics } from '../src/index.js'
import { freshMetrics, instrumentationErrors, quotaFigures, scrape } from './helpers.js'

afterEach(() => {
  vi.restoreAllMocks()
})

/** The distinct `quota` label values of each quota metric. */
async function quotaLabels(metrics: Parameters<typeof scrape>[0]): Promise<{ checks: number; hits: number; names: Set<unknown> }> {
  const samples = await scrape(metrics)
  const checks = samples.filter((s) => s.name === metricCatalog.quota.checks.name)
  const hits = samples.filter((s) => s.name === metricCatalog.quota.limitHits.name)
  return { checks: checks.length, hits: hits.length, names: new Set(hits.map((s) => s.labels.quota)) }
}

describe('quotaMetrics', () => {
  it('counts allowed, exceeded (with a limit hit) and error checks made in app code', async () => {
    const metrics = freshMetrics()
    const quotas = quotaMetrics({ metrics })

    quotas.record('optimizations', 'allowed')
    quotas.record('optimizations', 'allowed', 4)
    quotas.record('optimizations', 'exceeded')
    quotas.record('optimizations', 'error')

    expect(await quotaFigures(metrics, 'optimizations')).toEqual({ allowed: 5, exceeded: 1, error: 1, hits: 1 })
  })

  it('shows every outcome of a quota at 0 from its first record, so alerts never see "no data"', async () => {
    const metrics = freshMetrics()

    quotaMetrics({ metrics }).record('exports', 'allowed')

    expect(await quotaFigures(metrics, 'exports')).toEqual({ allowed: 1, exceeded: 0, error: 0, hits: 0 })
  })

  it('keeps the series count bounded when 1,000 distinct quota names are recorded', async () => {
    const metrics = freshMetrics()
    const quotas = quotaMetrics({ metrics, maxQuotas: 20 })

    for (let i = 0; i < 1000; i++) quotas.record(`quota-${i}`, 'exceeded')

    const samples = await scrape(metrics)
    const checks = samples.filter((s) => s.name === metricCatalog.quota.checks.name)
    const hits = samples.filter((s) => s.name === metricCatalog.quota.limitHits.name)
    expect(checks.length).toBe(21 * 3)
    expect(hits.length).toBe(21)
    expect(await quotaFigures(metrics, '_other')).toEqual({ allowed: 0, exceeded: 980, error: 0, hits: 980 })
  })

  it('keeps 5,000 distinct quota names to maxQuotas series plus the _other series', async () => {
    const metrics = freshMetrics()
    const quotas = quotaMetrics({ metrics })

    for (let i = 0; i < 5000; i++) quotas.record(`quota-${i}`, 'exceeded')

    const { checks, hits, names } = await quotaLabels(metrics)
    expect(hits).toBe(50 + 1)
    expect(checks).toBe((50 + 1) * 3)
    expect(names.has('quota-49')).toBe(true)
    expect(names.has('quota-50')).toBe(false)
    expect(await quotaFigures(metrics, '_other')).toEqual({ allowed: 0, exceeded: 4950, error: 0, hits: 4950 })
  })

  it('shares one bound between metrics objects, hooks and recorders on one registry', async () => {
    const metrics = freshMetrics()
    const other = createMetrics({ registry: metrics.registry, onError: () => {} })
    quotaHooks({ metrics: other, quota: 'api', maxQuotas: 10 })

    for (let i = 0; i < 2500; i++) quotaMetrics({ metrics }).record(`a-${i}`, 'allowed')
    for (let i = 0; i < 2500; i++) quotaMetrics({ metrics: other }).record(`b-${i}`, 'allowed')

    const { hits, names } = await quotaLabels(metrics)
    expect(hits).toBe(10 + 1)
    expect(names.has('api')).toBe(true)
    expect(names.has('b-0')).toBe(false)
    expect(await quotaFigures(metrics, '_other')).toEqual({ allowed: 2500 + 2491, exceeded: 0, error: 0, hits: 0 })
  })

  it('warns when a later maxQuotas differs from the bound in effect, and keeps that bound', async () => {
    const warn = vi.spyOn(process, 'emitWarning')
    const metrics = freshMetrics()
    quotaMetrics({ metrics, maxQuotas: 5 })
    quotaMetrics({ metrics, maxQuotas: 5 })
    const later = quotaMetrics({ metrics, maxQuotas: 100 })

    for (let i = 0; i < 20; i++) later.record(`quota-${i}`, 'allowed')

    const codes = warn.mock.calls.map((call) => (call[1] as { code?: string } | undefined)?.code)
    expect(codes.filter((code) => code === 'INTERVAI_METRICS_QUOTA_BOUND')).toHaveLength(1)
    expect((await quotaLabels(metrics)).hits).toBe(6)
  })

  it('shares one bound between every recorder on the same metrics object', async () => {
    const metrics = freshMetrics()

    for (let i = 0; i < 100; i++) quotaMetrics({ metrics, maxQuotas: 5 }).record(`quota-${i}`, 'allowed')

    const names = new Set((await scrape(metrics)).filter((s) => s.name === metricCatalog.quota.limitHits.name).map((s) => s.labels.quota))
    expect(names.size).toBe(6)
  })

  it('counts an unknown outcome or a bad count in instrumentation_errors_total instead of throwing', async () => {
    const metrics = freshMetrics()
    const quotas = quotaMetrics({ metrics })

    quotas.record('exports', 'denied' as never)
    quotas.record('exports', 'allowed', -1)
    quotas.record('exports', 'allowed', Number.NaN)

    expect(await instrumentationErrors(metrics)).toBe(3)
  })

  it('throws a TypeError naming a bad option at setup', () => {
    expect(() => quotaMetrics({ maxQuotas: 0 })).toThrow(/option "maxQuotas" must be a whole number from 1 to 10000 \(got 0\)/)
    expect(() => quotaMetrics({ maxQuotas: 2.5 })).toThrow(/option "maxQuotas" must be a whole number/)
    expect(() => quotaMetrics({ metrics: 'registry' as never })).toThrow(/option "metrics"/)
    expect(() => quotaMetrics({ maxQuota: 10 } as never)).toThrow(/option "maxQuota" must be one of the options \(metrics, prefix, maxQuotas\) \(got 10\)/)
    expect(() => quotaMetrics({ metrics: freshMetrics(), prefix: 'app_' })).toThrow(/option "prefix" must be the prefix of "metrics" \(""\), or left out \(got "app_"\)/)
  })

  it('records under the prefix of metrics, and accepts that prefix as prefix', async () => {
    const metrics = createMetrics({ registry: freshMetrics().registry, prefix: 'app_' })

    quotaMetrics({ metrics, prefix: 'app_' }).record('exports', 'exceeded')

    const names = (await scrape(metrics)).filter((s) => s.labels.quota === 'exports').map((s) => s.name)
    const { checks, limitHits } = metricCatalog.quota
    expect(names).toEqual([`app_${checks.name}`, `app_${checks.name}`, `app_${checks.name}`, `app_${limitHits.name}`])
  })
})
