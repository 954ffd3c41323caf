import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { createHash } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { quotaHooks } from '../src/fastify-entry.js'
import { PostgresRateLimitStore, rateLimitTableSql } from '../src/index.js'
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.js'
import { ask, countStatuses, freshMetrics, quotaFigures, rateLimitedApp, type Answer } from './helpers.js'

let db: TestDatabase
const pools: pg.Pool[] = []
const apps: FastifyInstance[] = []

function pool(): pg.Pool {
  const p = new pg.Pool({ connectionString: db.url, max: 5 })
  pools.push(p)
  return p
}

async function app(...args: Parameters<typeof rateLimitedApp>): Promise<FastifyInstance> {
  const instance = await rateLimitedApp(...args)
  apps.push(instance)
  return instance
}

async function rows(sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  try {
    return (await client.query(sql)).rows
  } finally {
    await client.end()
  }
}

beforeAll(async () => {
  db = await createTestDatabase()
})

afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()))
  await Promise.all(pools.splice(0).map((p) => p.end()))
})

afterAll(async () => {
  await db?.drop()
})

describe('PostgresRateLimitStore across instances', () => {
  it('allows exactly 100 of 1,000 concurrent requests spread over two instances, and their hits sum to 900', async () => {
    const options = { table: 'shared_limits', namespace: 'checkout' }
    const metricsA = freshMetrics()
    const metricsB = freshMetrics()
    const a = await app({ ...quotaHooks({ metrics: metricsA, quota: 'api' }), max: 100, timeWindow: 60_000, store: PostgresRateLimitStore.for(pool(), options) })
    const b = await app({ ...quotaHooks({ metrics: metricsB, quota: 'api' }), max: 100, timeWindow: 60_000, store: PostgresRateLimitStore.for(pool(), options) })

    const answers = await Promise.all(Array.from({ length: 1000 }, (_, i) => ask(i % 2 === 0 ? a : b, '/', 'shared-key')))

    expect(countStatuses(answers)).toEqual({ 200: 100, 429: 900 })
    const figuresA = await quotaFigures(metricsA, 'api')
    const figuresB = await quotaFigures(metricsB, 'api')
    expect((figuresA.allowed ?? 0) + (figuresB.allowed ?? 0)).toBe(100)
    expect((figuresA.hits ?? 0) + (figuresB.hits ?? 0)).toBe(900)
    expect((figuresA.exceeded ?? 0) + (figuresB.exceeded ?? 0)).toBe(900)
    expect(figuresA.error! + figuresB.error!).toBe(0)
  })

  it('answers with the statuses and limit headers of the memory store for the same sequence', async () => {
    const memory = await app({ max: 5, timeWindow: 60_000 })
    const postgres = await app({ max: 5, timeWindow: 60_000, store: PostgresRateLimitStore.for(pool(), { table: 'same_answers' }) })
    const strip = ({ reset: _reset, retryAfter, ...rest }: Answer) => ({ ...rest, retryAfter: retryAfter !== undefined })

    const fromMemory: Answer[] = []
    const fromPostgres: Answer[] = []
    for (let i = 0; i < 8; i++) {
      fromMemory.push(await ask(memory))
      fromPostgres.push(await ask(postgres))
    }

    expect(fromPostgres.map(strip)).toEqual(fromMemory.map(strip))
    expect(fromPostgres.map((x) => x.reset)).toEqual(Array(8).fill('60'))
  })
})

describe('PostgresRateLimitStore windows', () => {
  it('allows a key again once its window has passed', async () => {
    const limited = await app({ max: 2, timeWindow: 300, store: PostgresRateLimitStore.for(pool(), { table: 'short_windows' }) })

    const before = [await ask(limited), await ask(limited), await ask(limited)]
    await sleep(400)
    const after = [await ask(limited), await ask(limited), await ask(limited)]

    expect(before.map((x) => x.status)).toEqual([200, 200, 429])
    expect(after.map((x) => x.status)).toEqual([200, 200, 429])
    expect(after[0]?.remaining).toBe('1')
  })

  it('deletes expired windows on the first check after the cleanup interval', async () => {
    const limited = await app({ max: 10, timeWindow: 100, store: PostgresRateLimitStore.for(pool(), { table: 'cleaned', cleanupIntervalMs: 200 }) })
    for (let i = 0; i < 20; i++) await ask(limited, '/', `key-${i}`)
    await sleep(250)

    await ask(limited, '/', 'late-key')
    await sleep(100)

    const left = await rows('SELECT count(*)::int AS n FROM cleaned')
    expect(left[0]?.n).toBe(1)
  })

  it('restarts the window on each rejected request with continueExceeding', async () => {
    const limited = await app({ max: 1, timeWindow: 600, continueExceeding: true, store: PostgresRateLimitStore.for(pool(), { table: 'continued' }) })

    const first = [await ask(limited), await ask(limited)]
    await sleep(400)
    const stillBlocked = await ask(limited)
    // Past the first window's end: only the restarted window still blocks.
    await sleep(400)
    const blockedAgain = await ask(limited)

    expect(first.map((x) => x.status)).toEqual([200, 429])
    expect(stillBlocked.status).toBe(429)
    expect(blockedAgain.status).toBe(429)
  })

  it('doubles the window of each rejected request with exponentialBackoff, as the memory store does', async () => {
    const options = { max: 1, timeWindow: 2000, exponentialBackoff: true }
    const memory = await app(options)
    const postgres = await app({ ...options, store: PostgresRateLimitStore.for(pool(), { table: 'backoff' }) })

    const resets = async (instance: FastifyInstance) => {
      const out: (string | undefined)[] = []
      for (let i = 0; i < 4; i++) out.push((await ask(instance)).reset)
      return out
    }

    expect(await resets(postgres)).toEqual(['2', '2', '4', '8'])
    expect(await resets(memory)).toEqual(['2', '2', '4', '8'])
  })
})

describe('PostgresRateLimitStore table and keys', () => {
  it('uses a table created by rateLimitTableSql() when createTable is false', async () => {
    await rows(rateLimitTableSql('ops_limits'))
    const limited = await app({ max: 1, timeWindow: 60_000, store: PostgresRateLimitStore.for(pool(), { table: 'ops_limits', createTable: false }) })

    const answers = [await ask(limited), await ask(limited)]

    expect(answers.map((x) => x.status)).toEqual([200, 429])
    expect((await rows('SELECT hits::int AS hits FROM ops_limits'))[0]?.hits).toBe(2)
  })

  it('stores SHA-256 digests of the keys, never the keys themselves', async () => {
    const limited = await app({ max: 5, timeWindow: 60_000, store: PostgresRateLimitStore.for(pool(), { table: 'digests' }) })

    await ask(limited, '/', 'secret-api-key-123')

    const stored = await rows("SELECT namespace, encode(key_hash, 'hex') AS hash FROM digests")
    expect(stored).toEqual([{ namespace: 'default', hash: createHash('sha256').update('secret-api-key-123').digest('hex') }])
    expect(JSON.stringify(await rows('SELECT * FROM digests'))).not.toContain('secret')
  })

  it('keeps separate counters for a route with its own limit (child store)', async () => {
    const metrics = freshMetrics()
    const limited = await app(
      { ...quotaHooks({ metrics, quota: 'api' }), max: 3, timeWindow: 60_000, store: PostgresRateLimitStore.for(pool(), { table: 'per_route' }) },
      { ...quotaHooks({ metrics, quota: 'search' }), max: 1, timeWindow: 60_000 },
    )

    const search = [await ask(limited, '/search'), await ask(limited, '/search')]
    const root = [await ask(limited), await ask(limited), await ask(limited), await ask(limited)]

    expect(search.map((x) => x.status)).toEqual([200, 429])
    expect(root.map((x) => x.status)).toEqual([200, 200, 200, 429])
    expect((await rows('SELECT namespace FROM per_route ORDER BY namespace')).map((r) => r.namespace)).toEqual(['default', 'default:GET /search'])
    expect(await quotaFigures(metrics, 'search')).toEqual({ allowed: 1, exceeded: 1, error: 0, hits: 1 })
    expect(await quotaFigures(metrics, 'api')).toEqual({ allowed: 3, exceeded: 1, error: 0, hits: 1 })
  })

  it('reads the state of a key without counting (createRateLimit with increment: false)', async () => {
    const limited = await app({ max: 5, timeWindow: 60_000, store: PostgresRateLimitStore.for(pool(), { table: 'peeked' }) })
    const check = limited.createRateLimit()
    const request = { headers: { 'x-api-key': 'peeking-key' }, routeOptions: { config: {} } } as never

    await check(request)
    await check(request)
    const peek = await check(request, { increment: false })
    const again = await check(request, { increment: false })

    expect(peek).toMatchObject({ isAllowed: false, remaining: 3, isExceeded: false })
    expect(again).toMatchObject({ remaining: 3 })
  })

  it('throws a TypeError naming a bad option or a missing pool at setup', () => {
    expect(() => PostgresRateLimitStore.for(pool(), { table: 'Robert"; DROP TABLE x' })).toThrow(/option "table" must be a lower-case SQL identifier/)
    expect(() => PostgresRateLimitStore.for(pool(), { cleanupIntervalMs: -1 })).toThrow(/option "cleanupIntervalMs"/)
    expect(() => PostgresRateLimitStore.for(pool(), { createTable: 'yes' } as never)).toThrow(/option "createTable" must be a boolean \(got "yes"\)/)
    expect(() => PostgresRateLimitStore.for(pool(), { tabel: 'x' } as never)).toThrow(/option "tabel" must be one of the options \(table, createTable, namespace, cleanupIntervalMs\)/)
    expect(() => PostgresRateLimitStore.for(undefined as never)).toThrow(/needs a pg.Pool/)
  })
})
