import pg from 'pg'
import { metricCatalog } from '@intervai/metrics-catalog'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.js'
import { promtoolCheckMetrics } from '../../../test/support/promtool.js'
import { findTool } from '../../../test/support/tools.js'
import { instrumentPool } from '../src/index.js'
import { freshMetrics, parseExposition } from './exposition.js'

describe('exposition', () => {
  let db: TestDatabase
  let text: string
  let openMetrics: string

  beforeAll(async () => {
    db = await createTestDatabase()
    const { metrics } = freshMetrics()
    const pool = new pg.Pool({ connectionString: db.url, max: 2 })
    const handle = instrumentPool(pool, { metrics, pool: 'main', slowQueryMs: 0 })
    try {
      await pool.query('SELECT 1')
      await pool.query('BEGIN; COMMIT')
      await pool.query('SELECT * FROM missing_table').catch(() => {})
      text = (await metrics.render()).body
      openMetrics = (await metrics.render('application/openmetrics-text')).body
    } finally {
      handle.close()
      await pool.end()
    }
  })
  afterAll(async () => {
    await db?.drop()
  })

  it('names every metric of the catalog', () => {
    const names = new Set(parseExposition(text).map((s) => s.name.replace(/_(bucket|sum|count)$/, '')))
    const catalog = Object.values(metricCatalog.pg).map((metric) => metric.name)
    expect(catalog).toHaveLength(9)
    expect([...names].filter((name) => name.startsWith('pg_')).sort()).toEqual(catalog.sort())
    expect(text).toContain('pg_query_errors_total{pool="main",operation="SELECT",sqlstate_class="42"} 1')
    expect(text).toContain('pg_transactions_total{pool="main",outcome="commit"} 1')
    expect(openMetrics.endsWith('# EOF\n')).toBe(true)
  })

  const promtool = findTool('promtool')
  it.skipIf(!promtool)('passes promtool check metrics (skipped only where promtool is not installed and not required)', () => {
    const { status, output } = promtoolCheckMetrics(promtool as string, text)
    expect(output).toBe('')
    expect(status).toBe(0)
  })
})
