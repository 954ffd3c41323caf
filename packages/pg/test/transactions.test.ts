import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.js'
import { instrumentPool, type InstrumentedPool } from '../src/index.js'
import { freshMetrics, scrape, type Scrape } from './exposition.js'

describe('transactions', () => {
  let db: TestDatabase
  let pool: pg.Pool
  let handle: InstrumentedPool
  let s: Scrape
  const { metrics } = freshMetrics()

  const inTransaction = async (statements: string[]): Promise<string[]> => {
    const client = await pool.connect()
    const outcomes: string[] = []
    try {
      for (const sql of statements) {
        try {
          const result = await client.query(sql)
          outcomes.push(result.command)
        } catch (error) {
          outcomes.push((error as { code?: string }).code ?? 'error')
        }
      }
    } finally {
      client.release()
    }
    return outcomes
  }

  beforeAll(async () => {
    db = await createTestDatabase()
    pool = new pg.Pool({ connectionString: db.url, max: 2 })
    await pool.query('CREATE TABLE items (id int PRIMARY KEY)')
    handle = instrumentPool(pool, { metrics, pool: 'main' })
    expect(await inTransaction(['BEGIN', 'INSERT INTO items VALUES (1)', 'COMMIT'])).toEqual(['BEGIN', 'INSERT', 'COMMIT'])
    expect(await inTransaction(['BEGIN', 'INSERT INTO items VALUES (2)', 'ROLLBACK'])).toEqual(['BEGIN', 'INSERT', 'ROLLBACK'])
    // Postgres answers the COMMIT of a failed transaction with the ROLLBACK tag.
    expect(await inTransaction(['BEGIN', 'SELECT 1 / 0', 'SELECT 1', 'COMMIT'])).toEqual(['BEGIN', '22012', '25P02', 'ROLLBACK'])
    // ...and ROLLBACK TO SAVEPOINT with the ROLLBACK tag too.
    expect(
      await inTransaction(['BEGIN', 'SAVEPOINT s1', 'INSERT INTO items VALUES (3)', 'ROLLBACK TO SAVEPOINT s1', 'RELEASE SAVEPOINT s1', 'COMMIT']),
    ).toEqual(['BEGIN', 'SAVEPOINT', 'INSERT', 'ROLLBACK', 'RELEASE', 'COMMIT'])
    s = await scrape(metrics)
  })

  afterAll(async () => {
    handle?.close()
    await pool?.end()
    await db?.drop()
  })

  it('counts two commits: the plain one and the one after a rolled back savepoint', () => {
    expect(s.value('pg_transactions_total', { pool: 'main', outcome: 'commit' })).toBe(2)
  })

  it('counts two rollbacks: the explicit one and the COMMIT answered with ROLLBACK', () => {
    expect(s.value('pg_transactions_total', { pool: 'main', outcome: 'rollback' })).toBe(2)
  })

  it('counts the failed statements by SQLSTATE class', () => {
    expect(s.value('pg_query_errors_total', { pool: 'main', operation: 'SELECT', sqlstate_class: '22' })).toBe(1)
    expect(s.value('pg_query_errors_total', { pool: 'main', operation: 'SELECT', sqlstate_class: '25' })).toBe(1)
    expect(s.sum('pg_query_errors_total')).toBe(2)
  })

  it('labels each statement with its command tag', () => {
    expect(s.value('pg_query_duration_seconds_count', { pool: 'main', operation: 'BEGIN', outcome: 'ok' })).toBe(4)
    expect(s.value('pg_query_duration_seconds_count', { pool: 'main', operation: 'ROLLBACK', outcome: 'ok' })).toBe(3)
    expect(s.value('pg_query_duration_seconds_count', { pool: 'main', operation: 'COMMIT', outcome: 'ok' })).toBe(2)
    expect(s.value('pg_query_duration_seconds_count', { pool: 'main', operation: 'SAVEPOINT', outcome: 'ok' })).toBe(1)
    expect(s.value('pg_query_duration_seconds_count', { pool: 'main', operation: 'SELECT', outcome: 'error' })).toBe(2)
  })

  it('counts a COMMIT the server refuses (a deferred constraint) as a rollback', async () => {
    const { metrics: own } = freshMetrics()
    const other = new pg.Pool({ connectionString: db.url, max: 1 })
    const h = instrumentPool(other, { metrics: own })
    try {
      await other.query('CREATE TABLE deferred (id int UNIQUE DEFERRABLE INITIALLY DEFERRED)')
      const client = await other.connect()
      try {
        await client.query('BEGIN')
        await client.query('INSERT INTO deferred VALUES (1), (1)')
        await expect(client.query('COMMIT')).rejects.toMatchObject({ code: '23505' })
      } finally {
        client.release()
      }
      const t = await scrape(own)
      expect(t.value('pg_transactions_total', { pool: 'default', outcome: 'rollback' })).toBe(1)
      expect(t.value('pg_transactions_total', { pool: 'default', outcome: 'commit' })).toBe(0)
      expect(t.value('pg_query_errors_total', { pool: 'default', operation: 'COMMIT', sqlstate_class: '23' })).toBe(1)
    } finally {
      h.close()
      await other.end()
    }
  })
})
