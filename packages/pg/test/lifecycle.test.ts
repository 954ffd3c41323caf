import { EventEmitter } from 'node:events'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.js'
import { instrumentPool } from '../src/index.js'
import { freshMetrics, scrape } from './exposition.js'

describe('instrument and close', () => {
  let db: TestDatabase

  beforeAll(async () => {
    db = await createTestDatabase()
  })
  afterAll(async () => {
    await db?.drop()
  })

  it('counts once after instrument, close and instrument again, on clients that connected in between', async () => {
    const { metrics } = freshMetrics()
    const pool = new pg.Pool({ connectionString: db.url, max: 2 })
    try {
      instrumentPool(pool, { metrics }).close()
      await pool.query('SELECT 1')
      const handle = instrumentPool(pool, { metrics })
      await pool.query('SELECT 1')
      await Promise.all([pool.query('SELECT 1'), pool.query('SELECT 1')])
      expect((await scrape(metrics)).value('pg_query_duration_seconds_count', { pool: 'default', operation: 'SELECT', outcome: 'ok' })).toBe(3)
      handle.close()
    } finally {
      await pool.end()
    }
  })

  it('wraps clients that were open before instrumenting at their next checkout, then stops listening for checkouts', async () => {
    const { metrics } = freshMetrics()
    const pool = new pg.Pool({ connectionString: db.url, max: 2 })
    try {
      const [a, b] = await Promise.all([pool.connect(), pool.connect()])
      a.release()
      const handle = instrumentPool(pool, { metrics })
      expect(pool.listenerCount('acquire')).toBe(1)
      await b.query('SELECT 1')
      b.release()
      await Promise.all([pool.query('SELECT 1'), pool.query('SELECT 1')])
      expect(pool.listenerCount('acquire')).toBe(0)
      expect((await scrape(metrics)).sum('pg_query_duration_seconds_count')).toBe(2)
      handle.close()
    } finally {
      await pool.end()
    }
  })

  it('counts the queries an app runs in its own pool connect listener', async () => {
    const { metrics } = freshMetrics()
    const pool = new pg.Pool({ connectionString: db.url, max: 1 })
    const handle = instrumentPool(pool, { metrics })
    pool.on('connect', (client) => void client.query("SET application_name = 'app'"))
    try {
      await pool.query('SELECT 1')
      const s = await scrape(metrics)
      expect(s.value('pg_query_duration_seconds_count', { pool: 'default', operation: 'SET', outcome: 'ok' })).toBe(1)
      expect(s.value('pg_query_duration_seconds_count', { pool: 'default', operation: 'SELECT', outcome: 'ok' })).toBe(1)
    } finally {
      handle.close()
      await pool.end()
    }
  })

  it('counts each query once when a pool is instrumented twice, and warns once when the options differ', async () => {
    const { metrics } = freshMetrics()
    const pool = new pg.Pool({ connectionString: db.url, max: 1 })
    const warnings: Array<Error & { code?: string }> = []
    const onWarning = (warning: Error & { code?: string }): void => void warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const connect = pool.connect
      const first = instrumentPool(pool, { metrics, pool: 'main' })
      const same = instrumentPool(pool, { metrics, pool: 'main' })
      const other = instrumentPool(pool, { metrics, pool: 'other', slowQueryMs: 5 })
      expect(other.pool).toBe('main')
      await pool.query('SELECT 1')
      const client = await pool.connect()
      await client.query('SELECT 2')
      client.release()
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings.map((warning) => warning.code)).toEqual(['INTERVAI_METRICS_INSTRUMENTED_TWICE'])
      expect(warnings[0]?.message).toContain('@intervai/metrics-pg')
      const s = await scrape(metrics)
      expect(s.value('pg_query_duration_seconds_count', { pool: 'main', operation: 'SELECT', outcome: 'ok' })).toBe(2)
      expect(s.value('pg_pool_acquire_duration_seconds_count', { pool: 'main' })).toBe(2)
      expect(s.find('pg_query_duration_seconds_count', { pool: 'other' })).toEqual([])

      // Still instrumented until the last handle is closed.
      first.close()
      first.close()
      same.close()
      await pool.query('SELECT 3')
      expect((await scrape(metrics)).sum('pg_query_duration_seconds_count')).toBe(3)
      other.close()
      expect(pool.connect).toBe(connect)
      await pool.query('SELECT 4')
      const after = await scrape(metrics)
      expect(after.sum('pg_query_duration_seconds_count')).toBe(3)
      expect(after.find('pg_pool_max_connections')).toEqual([])
      expect(warnings).toHaveLength(1)
    } finally {
      process.off('warning', onWarning)
      await pool.end()
    }
  })

  it('restores each client’s query and the pool’s connect on close, and records nothing after', async () => {
    const { metrics } = freshMetrics()
    const pool = new pg.Pool({ connectionString: db.url, max: 2 })
    try {
      const handle = instrumentPool(pool, { metrics })
      const a = await pool.connect()
      const b = await pool.connect()
      expect(Object.hasOwn(a, 'query')).toBe(true)
      expect(Object.hasOwn(pool, 'connect')).toBe(true)
      await a.query('SELECT 1')
      handle.close()
      expect(Object.hasOwn(a, 'query')).toBe(false)
      expect(Object.hasOwn(b, 'query')).toBe(false)
      expect(a.query).toBe(pg.Client.prototype.query)
      expect(Object.hasOwn(pool, 'connect')).toBe(false)
      expect(pool.listenerCount('acquire')).toBe(0)
      await b.query('SELECT 1')
      a.release()
      b.release()
      await pool.query('SELECT 1')
      expect((await scrape(metrics)).sum('pg_query_duration_seconds_count')).toBe(1)
      handle.close()
    } finally {
      await pool.end()
    }
  })

  it('adds no plain error listener to the pool or its clients', async () => {
    const bare = new pg.Pool({ connectionString: db.url, max: 1 })
    const instrumented = new pg.Pool({ connectionString: db.url, max: 1 })
    const handle = instrumentPool(instrumented, { metrics: freshMetrics().metrics })
    try {
      const bareClient = await bare.connect()
      const client = await instrumented.connect()
      expect(instrumented.listenerCount('error')).toBe(0)
      expect(client.listenerCount('error')).toBe(bareClient.listenerCount('error'))
      bareClient.release()
      client.release()
      expect(client.listenerCount('error')).toBe(bareClient.listenerCount('error'))
      expect(instrumented.listenerCount(EventEmitter.errorMonitor)).toBe(1)
    } finally {
      handle.close()
      await Promise.all([bare.end(), instrumented.end()])
    }
  })

  it('rejects bad options with an error naming the option and the value', () => {
    const pool = new pg.Pool({ connectionString: db.url })
    const { metrics } = freshMetrics()
    expect(() => instrumentPool(pool, { metrics, slowQueryMs: -1 })).toThrow('@intervai/metrics-pg: option "slowQueryMs" must be a finite number >= 0 (got -1)')
    expect(() => instrumentPool(pool, { metrics, pool: '' })).toThrow('option "pool" must be a non-empty string (got "")')
    expect(() => instrumentPool(pool, { metrics, onSlowQuery: 'log' as never })).toThrow('option "onSlowQuery" must be a function (got "log")')
    expect(() => instrumentPool(pool, { metrics, buckets: [1, 0.5] })).toThrow('option "buckets" must be strictly increasing')
    expect(() => instrumentPool(pool, { metrics: {} as never })).toThrow('option "metrics" must be the object createMetrics() returns')
    expect(() => instrumentPool({} as never, { metrics })).toThrow('instrumentPool expects a pg.Pool')
    expect(pool.listenerCount('acquire')).toBe(0)
    return pool.end()
  })
})
