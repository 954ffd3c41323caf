import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { inject } from 'vitest'
import pg from 'pg'
import { createMetrics } from '../src/index.js'
import { createTestDatabase } from '../../../test/support/database.js'

describe('smoke', () => {
  it('renders a histogram', async () => {
    const metrics = createMetrics({ registry: new Registry() })
    const h = metrics.histogram({ name: 'x_seconds', help: 'x', labelNames: ['a'], buckets: [1, 2] })
    h.labels('q"\\\n').observe(1.5)
    const { body } = await metrics.render()
    expect(body).toContain('x_seconds_bucket{a="q\\"\\\\\\n",le="2"} 1')
  })
  it('has a database', async () => {
    const db = await createTestDatabase()
    const c = new pg.Client(db.url); await c.connect()
    const r = await c.query('select 1 as one'); await c.end(); await db.drop()
    expect(r.rows[0].one).toBe(1)
    expect(inject('databaseUrl')).toMatch(/^postgres:/)
  })
})
