import pg from 'pg'
import { Registry } from 'prom-client'
import { createMetrics } from '@intervai/metrics-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.js'
import { instrumentPool } from '../src/index.js'
import { scrape } from './exposition.js'

describe('pools sharing a registry', () => {
  let db: TestDatabase

  beforeAll(async () => {
    db = await createTestDatabase()
  })
  afterAll(async () => {
    await db?.drop()
  })

  it('sums two pools under one label on one registry, from two metrics objects, and drops each on close', async () => {
    const registry = new Registry()
    const a = new pg.Pool({ connectionString: db.url, max: 2 })
    const b = new pg.Pool({ connectionString: db.url, max: 3 })
    const handleA = instrumentPool(a, { metrics: createMetrics({ registry }), pool: 'main' })
    const handleB = instrumentPool(b, { metrics: createMetrics({ registry }), pool: 'main' })
    const metrics = createMetrics({ registry })
    try {
      await Promise.all(Array.from({ length: 4 }, () => a.query('SELECT 1')))
      await Promise.all(Array.from({ length: 6 }, () => b.query('SELECT 1')))
      const heldA = await a.connect()
      const heldB = await b.connect()
      await heldB.query('INSERT INTO missing VALUES (1)').catch(() => undefined)

      const s = await scrape(metrics)
      expect(s.value('pg_query_duration_seconds_count', { pool: 'main', operation: 'SELECT', outcome: 'ok' })).toBe(10)
      expect(s.value('pg_query_errors_total', { pool: 'main', operation: 'INSERT', sqlstate_class: '42' })).toBe(1)
      expect(s.value('pg_pool_acquire_duration_seconds_count', { pool: 'main' })).toBe(12)
      expect(s.value('pg_pool_max_connections', { pool: 'main' })).toBe(5)
      expect(s.value('pg_pool_connections', { pool: 'main', state: 'used' })).toBe(2)
      expect(s.value('pg_pool_connections', { pool: 'main', state: 'idle' })).toBe(a.idleCount + b.idleCount)
      expect(s.value('pg_pool_waiting_requests', { pool: 'main' })).toBe(0)
      heldA.release()
      heldB.release()

      handleA.close()
      const one = await scrape(metrics)
      expect(one.value('pg_pool_max_connections', { pool: 'main' })).toBe(3)
      expect(one.value('pg_pool_connections', { pool: 'main', state: 'idle' })).toBe(b.idleCount)
      handleB.close()
      const none = await scrape(metrics)
      expect(none.find('pg_pool_max_connections')).toEqual([])
      expect(none.find('pg_pool_connections')).toEqual([])
      expect(none.find('pg_pool_waiting_requests')).toEqual([])
      // Counters keep what they counted.
      expect(none.value('pg_query_duration_seconds_count', { pool: 'main', operation: 'SELECT', outcome: 'ok' })).toBe(10)
    } finally {
      handleA.close()
      handleB.close()
      await Promise.all([a.end(), b.end()])
    }
  })
})
