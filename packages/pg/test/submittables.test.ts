import pg from 'pg'
import Cursor from 'pg-cursor'
import QueryStream from 'pg-query-stream'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.js'
import { instrumentPool, type InstrumentedPool } from '../src/index.js'
import { freshMetrics, scrape } from './exposition.js'

describe('Submittables', () => {
  let db: TestDatabase
  let pool: pg.Pool
  let handle: InstrumentedPool
  let metrics: ReturnType<typeof freshMetrics>['metrics']

  beforeAll(async () => {
    db = await createTestDatabase()
  })
  afterAll(async () => {
    await db?.drop()
  })
  beforeEach(() => {
    metrics = freshMetrics().metrics
    pool = new pg.Pool({ connectionString: db.url, max: 1 })
    handle = instrumentPool(pool, { metrics })
  })
  afterEach(async () => {
    handle.close()
    await pool.end()
  })

  const count = async (labels: Record<string, string> = {}): Promise<number> =>
    (await scrape(metrics)).sum('pg_query_duration_seconds_count', labels)

  it('counts a pg-cursor read in batches once, when it ends, and returns the cursor itself', async () => {
    const client = await pool.connect()
    try {
      const cursor = new Cursor('SELECT generate_series(1, 10) AS n')
      expect(client.query(cursor)).toBe(cursor)
      expect((await cursor.read(4)).length).toBe(4)
      expect((await cursor.read(4)).length).toBe(4)
      expect(await count()).toBe(0)
      expect((await cursor.read(4)).length).toBe(2)
      expect((await cursor.read(4)).length).toBe(0)
      await cursor.close()
      expect(await count({ operation: 'SELECT', outcome: 'ok' })).toBe(1)
      expect(await count()).toBe(1)
      expect(Object.hasOwn(cursor, 'handleReadyForQuery')).toBe(false)
      expect(Object.hasOwn(cursor, 'handleError')).toBe(false)
    } finally {
      client.release()
    }
  })

  it('counts a pg-cursor closed after its first batch once', async () => {
    const client = await pool.connect()
    try {
      const cursor = client.query(new Cursor('SELECT generate_series(1, 1000) AS n'))
      expect((await cursor.read(10)).length).toBe(10)
      await cursor.close()
      expect(await count({ operation: 'SELECT', outcome: 'ok' })).toBe(1)
      expect((await client.query('SELECT 1')).rows.length).toBe(1)
      expect(await count()).toBe(2)
    } finally {
      client.release()
    }
  })

  it('counts a failing pg-cursor once, as an error with its SQLSTATE class', async () => {
    const client = await pool.connect()
    try {
      const cursor = client.query(new Cursor('SELECT 1 / (n - 5) FROM generate_series(1, 10) AS n'))
      await expect(cursor.read(100)).rejects.toMatchObject({ code: '22012' })
      const s = await scrape(metrics)
      expect(s.value('pg_query_errors_total', { pool: 'default', operation: 'SELECT', sqlstate_class: '22' })).toBe(1)
      expect(s.sum('pg_query_duration_seconds_count')).toBe(1)
    } finally {
      client.release()
    }
  })

  it('counts a pg-query-stream read fully once, and returns the stream itself', async () => {
    const client = await pool.connect()
    try {
      const stream = new QueryStream('SELECT generate_series(1, 500) AS n', [], { batchSize: 50 })
      expect(client.query(stream)).toBe(stream)
      let rows = 0
      for await (const _row of stream) rows++
      expect(rows).toBe(500)
      expect(await count({ operation: 'SELECT', outcome: 'ok' })).toBe(1)
      expect(await count()).toBe(1)
    } finally {
      client.release()
    }
  })

  it('counts a pg-query-stream destroyed early once, when its cursor has closed', async () => {
    const client = await pool.connect()
    try {
      const stream = client.query(new QueryStream('SELECT generate_series(1, 100000) AS n', [], { batchSize: 10 }))
      let rows = 0
      for await (const _row of stream) {
        if (++rows === 25) break
      }
      await new Promise((resolve) => (stream.closed ? resolve(undefined) : stream.once('close', resolve)))
      expect(await count({ operation: 'SELECT', outcome: 'ok' })).toBe(1)
      expect((await client.query('SELECT 2 AS n')).rows).toEqual([{ n: 2 }])
      expect(await count()).toBe(2)
    } finally {
      client.release()
    }
  })

  it('counts five pg-query-streams queued on one client once each', async () => {
    const client = await pool.connect()
    try {
      const streams = Array.from({ length: 5 }, (_, i) => client.query(new QueryStream(`SELECT generate_series(1, ${i + 1}) AS n`)))
      const totals = await Promise.all(
        streams.map(async (stream) => {
          let rows = 0
          for await (const _row of stream) rows++
          return rows
        }),
      )
      expect(totals).toEqual([1, 2, 3, 4, 5])
      expect(await count({ operation: 'SELECT', outcome: 'ok' })).toBe(5)
    } finally {
      client.release()
    }
  })
})
