import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.js'
import { instrumentPool } from '../src/index.js'
import { freshMetrics, scrape, waitFor } from './exposition.js'

describe('pool gauges and acquire wait', () => {
  let db: TestDatabase

  beforeAll(async () => {
    db = await createTestDatabase()
  })
  afterAll(async () => {
    await db?.drop()
  })

  it('shows used 2 and waiting 8 during 10 slow queries on a pool of 2, then waiting 0 and used + idle = totalCount', async () => {
    const { metrics } = freshMetrics()
    const pool = new pg.Pool({ connectionString: db.url, max: 2 })
    const handle = instrumentPool(pool, { metrics, pool: 'small' })
    try {
      const load = Array.from({ length: 10 }, () => pool.query('SELECT pg_sleep(0.15)'))
      await waitFor(() => pool.waitingCount === 8 && pool.totalCount === 2 && pool.idleCount === 0)
      const during = await scrape(metrics)
      expect(during.value('pg_pool_connections', { pool: 'small', state: 'used' })).toBe(2)
      expect(during.value('pg_pool_connections', { pool: 'small', state: 'idle' })).toBe(0)
      expect(during.value('pg_pool_waiting_requests', { pool: 'small' })).toBe(8)
      expect(during.value('pg_pool_max_connections', { pool: 'small' })).toBe(2)
      await Promise.all(load)

      const after = await scrape(metrics)
      expect(after.value('pg_pool_waiting_requests', { pool: 'small' })).toBe(0)
      const used = after.value('pg_pool_connections', { pool: 'small', state: 'used' }) as number
      const idle = after.value('pg_pool_connections', { pool: 'small', state: 'idle' }) as number
      expect(used).toBe(0)
      expect(used + idle).toBe(pool.totalCount)
      expect(after.value('pg_pool_acquire_duration_seconds_count', { pool: 'small' })).toBe(10)
      // Eight of the ten waited for one of the two 150 ms queries before them.
      expect(after.value('pg_pool_acquire_duration_seconds_bucket', { pool: 'small', le: '0.1' })).toBeLessThanOrEqual(2)
    } finally {
      handle.close()
      await pool.end()
    }
  })

  it('counts a checkout that runs out of connectionTimeoutMillis as a pool error', async () => {
    const { metrics } = freshMetrics()
    const pool = new pg.Pool({ connectionString: db.url, max: 1, connectionTimeoutMillis: 100 })
    const handle = instrumentPool(pool, { metrics, pool: 'tight' })
    try {
      const held = await pool.connect()
      await expect(pool.query('SELECT 1')).rejects.toThrow('timeout exceeded when trying to connect')
      await expect(pool.connect()).rejects.toThrow('timeout exceeded when trying to connect')
      held.release()
      const s = await scrape(metrics)
      expect(s.value('pg_pool_errors_total', { pool: 'tight' })).toBe(2)
      expect(s.value('pg_pool_acquire_duration_seconds_count', { pool: 'tight' })).toBe(1)
      expect(s.sum('pg_query_duration_seconds_count')).toBe(0)
    } finally {
      handle.close()
      await pool.end()
    }
  })

  it('keeps the values of three named pools apart under uneven load, and drops the series of one that ends', async () => {
    const { metrics } = freshMetrics()
    const names = ['alpha', 'beta', 'gamma'] as const
    const load = { alpha: 3, beta: 20, gamma: 50 }
    const pools = Object.fromEntries(names.map((name, i) => [name, new pg.Pool({ connectionString: db.url, max: i + 2 })])) as Record<
      (typeof names)[number],
      pg.Pool
    >
    const handles = names.map((name) => instrumentPool(pools[name], { metrics, pool: name }))
    try {
      for (const name of names) {
        await Promise.all(Array.from({ length: load[name] }, () => pools[name].query('SELECT 1')))
      }
      const heldBeta = await pools.beta.connect()
      const s = await scrape(metrics)
      for (const [i, name] of names.entries()) {
        expect(s.value('pg_query_duration_seconds_count', { pool: name, operation: 'SELECT', outcome: 'ok' })).toBe(load[name])
        expect(s.value('pg_pool_acquire_duration_seconds_count', { pool: name })).toBe(load[name] + (name === 'beta' ? 1 : 0))
        expect(s.value('pg_pool_max_connections', { pool: name })).toBe(i + 2)
        expect(s.value('pg_pool_connections', { pool: name, state: 'idle' })).toBe(pools[name].idleCount)
      }
      expect(s.value('pg_pool_connections', { pool: 'beta', state: 'used' })).toBe(1)
      expect(s.value('pg_pool_connections', { pool: 'alpha', state: 'used' })).toBe(0)
      heldBeta.release()

      await pools.beta.end()
      const after = await scrape(metrics)
      expect(after.find('pg_pool_connections', { pool: 'beta' })).toEqual([])
      expect(after.find('pg_pool_max_connections', { pool: 'beta' })).toEqual([])
      expect(after.find('pg_pool_waiting_requests', { pool: 'beta' })).toEqual([])
      expect(after.value('pg_pool_max_connections', { pool: 'alpha' })).toBe(2)
      expect(after.value('pg_pool_max_connections', { pool: 'gamma' })).toBe(4)
    } finally {
      for (const handle of handles) handle.close()
      await Promise.all([pools.alpha.end(), pools.gamma.end()])
    }
  })

  it('removes a pool’s gauge series when its instrumentation is closed', async () => {
    const { metrics } = freshMetrics()
    const pool = new pg.Pool({ connectionString: db.url, max: 1 })
    const handle = instrumentPool(pool, { metrics, pool: 'short' })
    expect((await scrape(metrics)).value('pg_pool_max_connections', { pool: 'short' })).toBe(1)
    handle.close()
    expect((await scrape(metrics)).find('pg_pool_max_connections')).toEqual([])
    await pool.end()
  })
})
