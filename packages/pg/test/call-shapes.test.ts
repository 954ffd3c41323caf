import pg from 'pg'
import Cursor from 'pg-cursor'
import QueryStream from 'pg-query-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.js'
import { instrumentPool, type InstrumentedPool } from '../src/index.js'
import { freshMetrics, runConcurrently, scrape } from './exposition.js'

const PER_SHAPE = 1000

type Shape = (pool: pg.Pool, i: number) => Promise<unknown>

// Every way node-postgres lets an app run a query through a pool, each returning what pg returned.
const shapes: Record<string, Shape> = {
  'pool-query-promise': (pool, i) => pool.query('SELECT $1::int AS n', [i]),
  'pool-query-callback': (pool) =>
    new Promise((resolve, reject) => pool.query('SELECT 1 AS n', (error, result) => (error ? reject(error) : resolve(result)))),
  'pool-query-config': (pool, i) => pool.query({ text: 'SELECT $1::int AS n', values: [i], name: 'shape_config' }),
  'client-query-promise': async (pool, i) => {
    const client = await pool.connect()
    try {
      return await client.query('SELECT $1::int AS n', [i])
    } finally {
      client.release()
    }
  },
  'client-query-callback': async (pool, i) => {
    const client = await pool.connect()
    try {
      return await new Promise((resolve, reject) =>
        client.query('SELECT $1::int AS n', [i], (error, result) => (error ? reject(error) : resolve(result))),
      )
    } finally {
      client.release()
    }
  },
  'client-config-callback': async (pool) => {
    const client = await pool.connect()
    try {
      return await new Promise((resolve, reject) => {
        const returned = client.query({
          text: 'SELECT 1 AS n',
          callback: (error: Error | null, result: unknown) => (error ? reject(error) : resolve(result)),
        } as never)
        if (returned !== undefined) reject(new Error('a callback query returned something'))
      })
    } finally {
      client.release()
    }
  },
  'pg-cursor': async (pool) => {
    const client = await pool.connect()
    try {
      const cursor = new Cursor('SELECT generate_series(1, 3) AS n')
      if (client.query(cursor) !== cursor) throw new Error('client.query did not return the cursor')
      const rows = await cursor.read(10)
      if (rows.length !== 3) throw new Error(`read ${rows.length} rows`)
      await cursor.close()
    } finally {
      client.release()
    }
  },
  'pg-query-stream': async (pool) => {
    const client = await pool.connect()
    try {
      const stream = new QueryStream('SELECT generate_series(1, 3) AS n')
      if (client.query(stream) !== stream) throw new Error('client.query did not return the stream')
      let rows = 0
      for await (const _row of stream) rows++
      if (rows !== 3) throw new Error(`streamed ${rows} rows`)
    } finally {
      client.release()
    }
  },
  'client-sync-throw': async (pool) => {
    const client = await pool.connect()
    try {
      client.query(null as never)
    } catch (error) {
      if (!(error instanceof TypeError)) throw error
      return
    } finally {
      client.release()
    }
    throw new Error('client.query(null) did not throw')
  },
  'pool-sync-throw': async (pool) => {
    try {
      await pool.query(null as never)
    } catch (error) {
      if (!(error instanceof TypeError)) throw error
      return
    }
    throw new Error('pool.query(null) did not reject')
  },
}

describe('every call shape', () => {
  let db: TestDatabase
  const pools = new Map<string, pg.Pool>()
  const handles: InstrumentedPool[] = []
  const { metrics, failures } = freshMetrics()

  beforeAll(async () => {
    db = await createTestDatabase()
    for (const name of Object.keys(shapes)) {
      const pool = new pg.Pool({ connectionString: db.url, max: 3 })
      pools.set(name, pool)
      handles.push(instrumentPool(pool, { metrics, pool: name }))
    }
    const tasks: Array<() => Promise<unknown>> = []
    for (let i = 0; i < PER_SHAPE; i++) {
      for (const [name, shape] of Object.entries(shapes)) tasks.push(() => shape(pools.get(name) as pg.Pool, i))
    }
    await runConcurrently(tasks, 20)
  })

  afterAll(async () => {
    for (const handle of handles) handle.close()
    await Promise.all([...pools.values()].map((pool) => pool.end()))
    await db?.drop()
  })

  it('runs 10,000 queries across the shapes at concurrency 20, each counted exactly once', async () => {
    const s = await scrape(metrics)
    expect(s.sum('pg_query_duration_seconds_count')).toBe(10_000)
    expect(failures).toEqual([])
  })

  for (const name of Object.keys(shapes)) {
    const throws = name.endsWith('sync-throw')
    it(`counts ${PER_SHAPE} queries for ${name}, none doubled`, async () => {
      const s = await scrape(metrics)
      expect(s.sum('pg_query_duration_seconds_count', { pool: name })).toBe(PER_SHAPE)
      if (throws) {
        expect(s.value('pg_query_duration_seconds_count', { pool: name, operation: 'OTHER', outcome: 'error' })).toBe(PER_SHAPE)
        expect(s.value('pg_query_errors_total', { pool: name, operation: 'OTHER', sqlstate_class: 'none' })).toBe(PER_SHAPE)
      } else {
        expect(s.value('pg_query_duration_seconds_count', { pool: name, operation: 'SELECT', outcome: 'ok' })).toBe(PER_SHAPE)
        expect(s.sum('pg_query_errors_total', { pool: name })).toBe(0)
      }
      expect(s.value('pg_pool_acquire_duration_seconds_count', { pool: name })).toBe(PER_SHAPE)
    })
  }
})
