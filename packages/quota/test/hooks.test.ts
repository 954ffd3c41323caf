import { afterEach, describe, expect, it, vi } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { metricCatalog } from '@intervai/metrics-catalog'
import { quotaHooks } from '../src/fastify-entry.js'
import { ask, countStatuses, freshMetrics, instrumentationErrors, quotaFigures, rateLimitedApp, scrape, type Answer } from './helpers.js'

const apps: FastifyInstance[] = []
async function app(...args: Parameters<typeof rateLimitedApp>): Promise<FastifyInstance> {
  const instance = await rateLimitedApp(...args)
  apps.push(instance)
  return instance
}

afterEach(async () => {
  vi.useRealTimers()
  await Promise.all(apps.splice(0).map((a) => a.close()))
})

async function sequence(instance: FastifyInstance, count: number, url = '/'): Promise<Answer[]> {
  const answers: Answer[] = []
  for (let i = 0; i < count; i++) answers.push(await ask(instance, url))
  return answers
}

describe('quotaHooks with a global limit', () => {
  it('allows exactly 100 of 1,000 requests from one key and counts 100 allowed, 900 exceeded and 900 hits', async () => {
    const metrics = freshMetrics()
    const limited = await app({ ...quotaHooks({ metrics, quota: 'api' }), max: 100, timeWindow: 60_000 })

    const answers = await sequence(limited, 1000)

    expect(countStatuses(answers)).toEqual({ 200: 100, 429: 900 })
    expect(await quotaFigures(metrics, 'api')).toEqual({ allowed: 100, exceeded: 900, error: 0, hits: 900 })
  })

  it('leaves every status code and rate-limit header as @fastify/rate-limit sets them without the hooks', async () => {
    // Frozen clock: both apps then compute the same reset seconds for every request.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-01-01T00:00:00Z') })
    const plain = await app({ max: 100, timeWindow: 60_000 })
    const counted = await app({ ...quotaHooks({ metrics: freshMetrics(), quota: 'api' }), max: 100, timeWindow: 60_000 })

    const withoutHooks = await sequence(plain, 1000)
    const withHooks = await sequence(counted, 1000)

    expect(withHooks).toEqual(withoutHooks)
    expect(withHooks[99]).toEqual({ status: 200, limit: '100', remaining: '0', reset: '60', retryAfter: undefined })
    expect(withHooks[100]).toEqual({ status: 429, limit: '100', remaining: '0', reset: '60', retryAfter: '60' })
  })

  it('counts a route with its own limit but no hooks of its own under the global quota', async () => {
    const metrics = freshMetrics()
    const limited = await app({ ...quotaHooks({ metrics, quota: 'api' }), max: 100, timeWindow: 60_000 }, { max: 3, timeWindow: 60_000 })

    await sequence(limited, 5, '/search')
    await sequence(limited, 2, '/')

    expect(await quotaFigures(metrics, 'api')).toEqual({ allowed: 5, exceeded: 2, error: 0, hits: 2 })
  })
})

describe('quotaHooks per route', () => {
  it('counts a route whose config.rateLimit spreads its own hooks under its own quota', async () => {
    const metrics = freshMetrics()
    const limited = await app(
      { ...quotaHooks({ metrics, quota: 'api' }), max: 100, timeWindow: 60_000 },
      { ...quotaHooks({ metrics, quota: 'search' }), max: 3, timeWindow: 60_000 },
    )

    const search = await sequence(limited, 10, '/search')
    const root = await sequence(limited, 4, '/')

    expect(countStatuses(search)).toEqual({ 200: 3, 429: 7 })
    expect(countStatuses(root)).toEqual({ 200: 4 })
    expect(await quotaFigures(metrics, 'search')).toEqual({ allowed: 3, exceeded: 7, error: 0, hits: 7 })
    expect(await quotaFigures(metrics, 'api')).toEqual({ allowed: 4, exceeded: 0, error: 0, hits: 0 })
  })

  it('counts a plan-dependent limit (max as a function) request by request', async () => {
    const metrics = freshMetrics()
    const plans: Record<string, number> = { 'free-key': 2, 'pro-key': 5 }
    const limited = await app({
      ...quotaHooks({ metrics, quota: 'api' }),
      max: (_request, key) => plans[key] ?? 1,
      timeWindow: 60_000,
    })

    for (let i = 0; i < 6; i++) {
      await ask(limited, '/', 'free-key')
      await ask(limited, '/', 'pro-key')
    }

    expect(await quotaFigures(metrics, 'api')).toEqual({ allowed: 7, exceeded: 5, error: 0, hits: 5 })
  })
})

describe('quotaHooks safety', () => {
  it('keeps a 429 a 429 and a 200 a 200 when our hook throws, and counts each failure in instrumentation_errors_total', async () => {
    const metrics = freshMetrics()
    const hooks = quotaHooks({ metrics, quota: 'api' })
    const broken = () => {
      throw new Error('recording failed')
    }
    // The hooks record on these cached series: make them throw.
    const checks = metrics.counter(metricCatalog.quota.checks)
    checks.labels('api', 'allowed').inc = broken
    checks.labels('api', 'exceeded').inc = broken
    const limited = await app({ ...hooks, max: 2, timeWindow: 60_000 })

    const answers = await sequence(limited, 5)

    expect(answers.map((a) => a.status)).toEqual([200, 200, 429, 429, 429])
    expect(await instrumentationErrors(metrics)).toBe(5)
  })

  it('runs your own onExceeding and onExceeded after counting, with the request and key', async () => {
    const metrics = freshMetrics()
    const seen: string[] = []
    const limited = await app({
      ...quotaHooks({
        metrics,
        quota: 'api',
        onExceeding: (request, key) => seen.push(`allowed ${request.url} ${key}`),
        onExceeded: (request, key) => seen.push(`exceeded ${request.url} ${key}`),
      }),
      max: 1,
      timeWindow: 60_000,
    })

    await sequence(limited, 2)

    expect(seen).toEqual(['allowed / key-1', 'exceeded / key-1'])
    expect(await quotaFigures(metrics, 'api')).toEqual({ allowed: 1, exceeded: 1, error: 0, hits: 1 })
  })

  it('never puts the rate-limit key in a label', async () => {
    const metrics = freshMetrics()
    const limited = await app({ ...quotaHooks({ metrics, quota: 'api' }), max: 1, timeWindow: 60_000 })

    await ask(limited, '/', 'secret-api-key-123')
    await ask(limited, '/', 'secret-api-key-123')

    const values = (await scrape(metrics)).flatMap((s) => Object.values(s.labels).map(String))
    expect(values.some((v) => v.includes('secret'))).toBe(false)
    expect((await metrics.render()).body).not.toContain('secret')
  })

  it('throws a TypeError naming a bad option at setup', () => {
    expect(() => quotaHooks({ quota: '' })).toThrow(/option "quota" must be a non-empty string \(got ""\)/)
    expect(() => quotaHooks({ metrics: {} as never })).toThrow(TypeError)
    expect(() => quotaHooks({ onExceeded: 'log' as never })).toThrow(/option "onExceeded" must be a function/)
    expect(() => quotaHooks({ quta: 'api' } as never)).toThrow(/option "quta" must be one of the options \(metrics, prefix, quota, maxQuotas, onExceeding, onExceeded\)/)
    expect(() => quotaHooks({ metrics: freshMetrics(), prefix: 'other_' })).toThrow(/option "prefix"/)
    expect(() => quotaHooks({ maxQuotas: 0 })).toThrow(/option "maxQuotas" must be a whole number from 1 to 10000 \(got 0\)/)
  })
})
