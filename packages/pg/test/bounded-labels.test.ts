import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from '../../../test/support/database.js'
import { instrumentPool, type SlowQuery } from '../src/index.js'
import { freshMetrics, runConcurrently, scrape, type Scrape } from './exposition.js'

// Five kinds of statement, each with a text of its own for every i: successes, two commands,
// a syntax error whose first word is made up, and a runtime error.
const kinds: ReadonlyArray<(i: number) => string> = [
  (i) => `SELECT ${i} AS n_${i}`,
  (i) => `VALUES (${i}, 'user_${i}@example.com')`,
  (i) => `SET application_name = 'app_${i}'`,
  (i) => `made_up_${i} 'secret_${i}'`,
  (i) => `/* request ${i} */ SELECT 1 / (${i} - ${i})`,
]
const PER_KIND = 2000
const CLIENTS = 4

const seriesOf = (s: Scrape): string[] =>
  s.samples.filter((sample) => sample.name.startsWith('pg_')).map((sample) => `${sample.name}${JSON.stringify(sample.labels)}`)

describe('bounded labels', () => {
  let db: TestDatabase

  beforeAll(async () => {
    db = await createTestDatabase()
  })
  afterAll(async () => {
    await db?.drop()
  })

  it('keeps the same series after warm-up through 10,000 distinct SQL texts, none of them in a label', async () => {
    const { metrics, failures } = freshMetrics()
    const pool = new pg.Pool({ connectionString: db.url, max: CLIENTS })
    const slow: SlowQuery[] = []
    const handle = instrumentPool(pool, { metrics, pool: 'bounded', slowQueryMs: 0, onSlowQuery: (query) => void slow.push(query) })
    // On checked-out clients: pool.query releases a client with its error, which ends it.
    const run = async (texts: string[]): Promise<void> => {
      const clients = await Promise.all(Array.from({ length: CLIENTS }, () => pool.connect()))
      try {
        const tasks = texts.map((sql, i) => () => (clients[i % CLIENTS] as pg.PoolClient).query(sql).catch(() => undefined))
        await runConcurrently(tasks, CLIENTS * 2)
      } finally {
        for (const client of clients) client.release()
      }
    }
    try {
      await run(kinds.map((kind) => kind(PER_KIND)))
      const warm = seriesOf(await scrape(metrics))

      const texts = Array.from({ length: PER_KIND }, (_, i) => kinds.map((kind) => kind(i))).flat()
      expect(new Set(texts).size).toBe(10_000)
      await run(texts)
      const s = await scrape(metrics)

      expect(seriesOf(s)).toEqual(warm)
      expect(s.sum('pg_query_duration_seconds_count')).toBe(10_005)
      expect(s.value('pg_query_duration_seconds_count', { operation: 'SELECT', outcome: 'ok' })).toBe(4002)
      expect(s.value('pg_query_duration_seconds_count', { operation: 'SET', outcome: 'ok' })).toBe(2001)
      expect(s.value('pg_query_errors_total', { operation: 'OTHER', sqlstate_class: '42' })).toBe(2001)
      expect(s.value('pg_query_errors_total', { operation: 'SELECT', sqlstate_class: '22' })).toBe(2001)
      expect(s.sum('pg_slow_queries_total')).toBe(10_005)
      const leaked = /secret|example\.com|app_\d|made_up|request \d/
      const labelValues = s.samples.flatMap((sample) => Object.values(sample.labels))
      expect(labelValues.filter((value) => leaked.test(value))).toEqual([])
      expect(new Set(s.samples.map((sample) => sample.labels.operation).filter(Boolean))).toEqual(new Set(['SELECT', 'SET', 'OTHER']))
      expect(slow).toHaveLength(10_005)
      // Literals and comments are redacted from onSlowQuery's text; the made-up keyword is not a literal.
      expect(slow.filter((query) => /secret|example\.com|app_\d|request \d/.test(query.text))).toEqual([])
      expect(failures).toEqual([])
    } finally {
      handle.close()
      await pool.end()
    }
  })
})
