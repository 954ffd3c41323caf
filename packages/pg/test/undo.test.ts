import { EventEmitter } from 'node:events'
import pg from 'pg'
import Cursor from 'pg-cursor'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.js'
import { instrumentPool } from '../src/index.js'
import { freshMetrics, scrape } from './exposition.js'

type Snapshot = { own: Map<string, unknown>; listeners: Map<string, unknown[]> }

/**
 * The own methods (string and symbol keys) and every listener of an emitter: what a patch or
 * a listener would leave behind. pg's own state fields change with use and are left out.
 */
function snapshot(target: EventEmitter): Snapshot {
  const own = new Map<string, unknown>()
  for (const key of Reflect.ownKeys(target)) {
    const value = (target as unknown as Record<string | symbol, unknown>)[key]
    // pg-pool gives a client a new `release` at every checkout (pg-pool/index.js _acquireClient).
    if (key === 'release') continue
    if (typeof value === 'function' || typeof key === 'symbol') own.set(String(key), value)
  }
  const listeners = new Map<string, unknown[]>()
  for (const event of [...target.eventNames(), EventEmitter.errorMonitor]) listeners.set(String(event), target.listeners(event))
  return { own, listeners }
}

function expectSame(after: Snapshot, before: Snapshot): void {
  expect([...after.own.keys()]).toEqual([...before.own.keys()])
  for (const [key, value] of before.own) expect({ [key]: after.own.get(key) === value }).toEqual({ [key]: true })
  for (const [event, listeners] of before.listeners) expect(after.listeners.get(event) ?? []).toEqual(listeners)
  for (const [event, listeners] of after.listeners) expect(listeners).toEqual(before.listeners.get(event) ?? [])
}

describe('close', () => {
  let db: TestDatabase

  beforeAll(async () => {
    db = await createTestDatabase()
  })
  afterAll(async () => {
    await db?.drop()
  })

  it('undoes every patch and listener on the pool and its clients, and removes the pool’s gauge series', async () => {
    const { metrics } = freshMetrics()
    const pool = new pg.Pool({ connectionString: db.url, max: 3 })
    try {
      // One client connected before instrumenting (wrapped at its next checkout), two after.
      const early = await pool.connect()
      early.release()
      const poolBefore = snapshot(pool)
      const earlyBefore = snapshot(early)

      const handle = instrumentPool(pool, { metrics, pool: 'undo' })
      expect(pool.connect).not.toBe(pg.Pool.prototype.connect)
      const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()])
      expect(clients).toContain(early)
      for (const client of clients) expect(Object.hasOwn(client, 'query')).toBe(true)
      const late = clients.filter((client) => client !== early)
      await clients[0]?.query('SELECT 1')
      const cursor = clients[1]?.query(new Cursor('SELECT generate_series(1, 3)')) as Cursor
      await cursor.read(10)
      await cursor.close()
      for (const client of clients) client.release()
      // Idle again (pg-pool's idleListener back on), as they will be after close.
      const lateBefore = late.map(snapshot)
      await pool.query('SELECT 1')
      const during = await scrape(metrics)
      expect(during.value('pg_pool_max_connections', { pool: 'undo' })).toBe(3)
      expect(during.sum('pg_query_duration_seconds_count')).toBe(3)

      handle.close()
      expectSame(snapshot(pool), poolBefore)
      expect(pool.connect).toBe(pg.Pool.prototype.connect)
      expect(pool.query).toBe(pg.Pool.prototype.query)
      expectSame(snapshot(early), earlyBefore)
      for (const client of clients) {
        expect(Object.hasOwn(client, 'query')).toBe(false)
        expect(client.query).toBe(pg.Client.prototype.query)
      }
      // Clients connected while instrumented: as before, less our own `query`.
      for (const [i, client] of late.entries()) {
        const before = lateBefore[i] as Snapshot
        expect(before.own.get('query')).toBeTypeOf('function')
        before.own.delete('query')
        expectSame(snapshot(client), before)
      }
      expect(cursor.handleError).toBe(Cursor.prototype.handleError)
      expect(Object.hasOwn(cursor, 'handleReadyForQuery')).toBe(false)

      const after = await scrape(metrics)
      expect(after.find('pg_pool_connections', { pool: 'undo' })).toEqual([])
      expect(after.find('pg_pool_max_connections', { pool: 'undo' })).toEqual([])
      expect(after.find('pg_pool_waiting_requests', { pool: 'undo' })).toEqual([])
      await pool.query('SELECT 1')
      expect((await scrape(metrics)).sum('pg_query_duration_seconds_count')).toBe(3)
    } finally {
      await pool.end()
    }
  })
})
