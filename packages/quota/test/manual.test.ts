import { describe, expect, it } from 'vitest'
import { quotaMetrics } from '../src/index.js'
import { freshMetrics, instrumentationErrors, quotaFigures, scrape } from './helpers.js'

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
    const checks = samples.filter((s) => s.name === 'quota_checks_total')
    const hits = samples.filter((s) => s.name === 'quota_limit_hits_total')
    expect(checks.length).toBe(21 * 3)
    expect(hits.length).toBe(21)
    expect(await quotaFigures(metrics, '_other')).toEqual({ allowed: 0, exceeded: 980, error: 0, hits: 980 })
  })

  it('shares one bound between every recorder on the same metrics object', async () => {
    const metrics = freshMetrics()

    for (let i = 0; i < 100; i++) quotaMetrics({ metrics, maxQuotas: 5 }).record(`quota-${i}`, 'allowed')

    const names = new Set((await scrape(metrics)).filter((s) => s.name === 'quota_limit_hits_total').map((s) => s.labels.quota))
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
    expect(() => quotaMetrics({ maxQuotas: 0 })).toThrow(/option "maxQuotas" must be a finite number from 1 to 10000 \(got 0\)/)
    expect(() => quotaMetrics({ maxQuotas: 2.5 })).toThrow(/option "maxQuotas" must be a whole number/)
    expect(() => quotaMetrics({ metrics: 'registry' as never })).toThrow(/option "metrics"/)
  })
})
