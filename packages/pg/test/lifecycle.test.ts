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

  it('returns the same handle when a pool is instrumented twice, and counts once', async () => {
    const { metrics } = freshMetrics()
    const pool = new pg.Pool({ connectionString: db.url, max: 1 })
    try {
      const first = instrumentPool(pool, { metrics })
      const second = instrumentPool(pool, { metrics })
      expect(second).toBe(first)
      await pool.query('SELECT 1')
      expect((await scrape(metrics)).sum('pg_query_duration_seconds_count')).toBe(1)
      first.close()
    } finally {
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
    const handle = instrumentPool(instrumented, freshMetrics())
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
    expect(() => instrumentPool(pool, { metrics, slowQueryMs: -1 })).toThrow('option "slowQueryMs" must be a finite number from 0')
    expect(() => instrumentPool(pool, { metrics, pool: '' })).toThrow('option "pool" must be a non-empty string (got "")')
    expect(() => instrumentPool(pool, { metrics, onSlowQuery: 'log' as never })).toThrow('option "onSlowQuery" must be a function (got "log")')
    expect(() => instrumentPool(pool, { metrics, buckets: [1, 0.5] })).toThrow('option "buckets" must be strictly increasing')
    expect(() => instrumentPool(pool, { metrics: {} as never })).toThrow('option "metrics" must be the object createMetrics() returns')
    expect(() => instrumentPool({} as never, { metrics })).toThrow('instrumentPool expects a pg.Pool')
    expect(pool.listenerCount('acquire')).toBe(0)
    return pool.end()
  })
})
