import pg from 'pg'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.js'
import { instrumentPool, type InstrumentedPool, type SlowQuery } from '../src/index.js'
import { freshMetrics, scrape } from './exposition.js'

const LITERAL = 'literal-7f3a9c'
const PARAMETER = 'parameter-51be02'

describe('slow queries', () => {
  let db: TestDatabase
  let pool: pg.Pool
  let handle: InstrumentedPool | undefined

  beforeAll(async () => {
    db = await createTestDatabase()
  })
  afterAll(async () => {
    await db?.drop()
  })
  beforeEach(() => {
    pool = new pg.Pool({ connectionString: db.url, max: 4 })
  })
  afterEach(async () => {
    handle?.close()
    await pool.end()
  })

  it('counts exactly the queries at or over slowQueryMs, and reports them without literals or parameters', async () => {
    const { metrics } = freshMetrics()
    const reported: SlowQuery[] = []
    handle = instrumentPool(pool, { metrics, pool: 'main', slowQueryMs: 50, onSlowQuery: (query) => reported.push(query) })
    const sql = `SELECT pg_sleep($1), '${LITERAL}' AS literal, $2::text AS parameter`
    await Promise.all([
      pool.query(sql, [0.08, PARAMETER]),
      pool.query(sql, [0.09, PARAMETER]),
      pool.query({ text: sql, values: [0.1, PARAMETER] }),
      pool.query(sql, [0.001, PARAMETER]),
      pool.query(sql, [0.01, PARAMETER]),
      pool.query(sql, [0.02, PARAMETER]),
    ])
    const exposition = (await metrics.render()).body
    const s = await scrape(metrics)
    expect(s.value('pg_slow_queries_total', { pool: 'main', operation: 'SELECT' })).toBe(3)
    expect(reported).toHaveLength(3)
    for (const query of reported) {
      expect(query.pool).toBe('main')
      expect(query.operation).toBe('SELECT')
      expect(query.durationMs).toBeGreaterThanOrEqual(50)
      expect(query.text).toBe('SELECT pg_sleep($1), ? AS literal, $2::text AS parameter')
    }
    const everything = exposition + JSON.stringify(reported)
    expect(everything).not.toContain(LITERAL)
    expect(everything).not.toContain(PARAMETER)
  })

  it('counts a slow failed query under the keyword of its text', async () => {
    const { metrics } = freshMetrics()
    handle = instrumentPool(pool, { metrics, pool: 'main', slowQueryMs: 50 })
    await expect(pool.query("SELECT 1 / length(pg_sleep(0.08)::text), 'x'")).rejects.toMatchObject({ code: '22012' })
    const s = await scrape(metrics)
    expect(s.value('pg_slow_queries_total', { pool: 'main', operation: 'SELECT' })).toBe(1)
    expect(s.value('pg_query_errors_total', { pool: 'main', operation: 'SELECT', sqlstate_class: '22' })).toBe(1)
  })

  it('never lets a throwing onSlowQuery reach the app, and counts the failure', async () => {
    const { metrics, failures } = freshMetrics()
    handle = instrumentPool(pool, {
      metrics,
      slowQueryMs: 0,
      onSlowQuery: () => {
        throw new Error('callback failed')
      },
    })
    const result = await pool.query('SELECT 1 AS n')
    expect(result.rows).toEqual([{ n: 1 }])
    const s = await scrape(metrics)
    expect(s.value('instrumentation_errors_total', { component: 'pg' })).toBe(1)
    expect(failures).toHaveLength(1)
  })

  it('never lets a rejecting async onSlowQuery become an unhandled rejection', async () => {
    const { metrics, failures } = freshMetrics()
    handle = instrumentPool(pool, { metrics, slowQueryMs: 0, onSlowQuery: async () => Promise.reject(new Error('async callback failed')) })
    await pool.query('SELECT 1')
    await new Promise((resolve) => setImmediate(resolve))
    expect((await scrape(metrics)).value('instrumentation_errors_total', { component: 'pg' })).toBe(1)
    expect(failures).toHaveLength(1)
  })
})
