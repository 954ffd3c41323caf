import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmbeddedPostgres, type TestPostgres } from '../../../test/support/postgres.js'
import { instrumentPool } from '../src/index.js'
import { freshMetrics, scrape, waitFor } from './exposition.js'

/** What an app sees of an error: enough to tell two errors apart, nothing that differs per run. */
const describeError = (error: unknown): string => {
  const e = error as { constructor: { name: string }; code?: string; message: string }
  return `${e.constructor.name} ${e.code ?? '-'} ${e.message}`
}

/** A load of `SELECT`s from `workers` workers until `stop()`; tallies what the app received. */
function startLoad(pool: pg.Pool, workers: number) {
  const tally = { ok: 0, failed: 0, errors: new Set<string>() }
  let running = true
  const loop = async (): Promise<void> => {
    while (running) {
      try {
        await pool.query('SELECT pg_sleep(0.002)')
        tally.ok++
      } catch (error) {
        tally.failed++
        tally.errors.add(describeError(error))
        // While the server is down every attempt fails at once: do not spin.
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    }
  }
  const done = Promise.all(Array.from({ length: workers }, loop))
  return {
    tally,
    stop: async () => {
      running = false
      await done
    },
  }
}

describe('faults', () => {
  let server: TestPostgres
  let admin: pg.Client

  // The test's own connection: it loses its server too when the server is stopped.
  const connectAdmin = async (): Promise<void> => {
    admin = new pg.Client({ connectionString: server.url })
    admin.on('error', () => {})
    await admin.connect()
  }

  beforeAll(async () => {
    server = await startEmbeddedPostgres()
    await connectAdmin()
  })
  afterAll(async () => {
    await admin?.end()
    await server?.destroy()
  })

  const terminate = (applicationName: string): Promise<pg.QueryResult> =>
    admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [applicationName])

  it('gives the app the same errors as an uninstrumented pool when backends are terminated and the server is down', async () => {
    // One query at a time, so both runs are the same sequence of events.
    const scenario = async (pool: pg.Pool, name: string): Promise<string[]> => {
      const seen: string[] = []
      pool.on('error', (error) => seen.push(`pool error: ${describeError(error)}`))
      const busy = pool.query('SELECT pg_sleep(10)').then(
        () => seen.push('busy query succeeded'),
        (error) => seen.push(`busy query: ${describeError(error)}`),
      )
      await waitFor(() => pool.idleCount === 0 && pool.totalCount === 1)
      await new Promise((resolve) => setTimeout(resolve, 50))
      await terminate(name)
      await busy
      await pool.query('SELECT 1')
      await waitFor(() => pool.idleCount === 1)
      await terminate(name)
      await waitFor(() => pool.totalCount === 0)
      const bad = new pg.Pool({ connectionString: server.url.replace(/:\d+\//, ':1/') })
      await bad.query('SELECT 1').catch((error) => seen.push(`refused: ${describeError(error)}`))
      await bad.end()
      return seen
    }
    const bare = new pg.Pool({ connectionString: server.url, max: 1, application_name: 'bare' })
    const instrumented = new pg.Pool({ connectionString: server.url, max: 1, application_name: 'instrumented' })
    const { metrics, failures } = freshMetrics()
    const handle = instrumentPool(instrumented, { metrics, pool: 'instrumented' })
    try {
      const expected = await scenario(bare, 'bare')
      expect(expected).toHaveLength(3)
      expect(await scenario(instrumented, 'instrumented')).toEqual(expected)
      const s = await scrape(metrics)
      expect(s.value('pg_query_errors_total', { pool: 'instrumented', operation: 'SELECT', sqlstate_class: '57' })).toBe(1)
      expect(s.value('pg_pool_errors_total', { pool: 'instrumented' })).toBe(1)
      expect(failures).toEqual([])
    } finally {
      handle.close()
      await Promise.all([bare.end(), instrumented.end()])
    }
  })

  it('counts every error the app received while backends are terminated mid-load, and the gauges are right after', async () => {
    const { metrics, failures } = freshMetrics()
    const pool = new pg.Pool({ connectionString: server.url, max: 4, application_name: 'terminated' })
    let poolErrors = 0
    pool.on('error', () => poolErrors++)
    const handle = instrumentPool(pool, { metrics, pool: 'terminated' })
    try {
      const load = startLoad(pool, 8)
      for (let round = 1; round <= 3; round++) {
        await waitFor(() => load.tally.ok >= round * 100, 20_000)
        await terminate('terminated')
      }
      await waitFor(() => load.tally.ok >= 400, 20_000)
      await load.stop()
      expect(load.tally.failed).toBeGreaterThan(0)
      const s = await scrape(metrics)
      expect(s.value('pg_query_duration_seconds_count', { pool: 'terminated', operation: 'SELECT', outcome: 'ok' })).toBe(load.tally.ok)
      expect(s.sum('pg_query_errors_total', { pool: 'terminated' }) + s.sum('pg_pool_errors_total', { pool: 'terminated' })).toBe(
        load.tally.failed + poolErrors,
      )
      expect(s.sum('pg_query_errors_total', { pool: 'terminated', sqlstate_class: '57' })).toBeGreaterThan(0)
      expect(s.value('pg_pool_waiting_requests', { pool: 'terminated' })).toBe(0)
      expect(s.value('pg_pool_connections', { pool: 'terminated', state: 'used' })).toBe(0)
      expect(s.value('pg_pool_connections', { pool: 'terminated', state: 'idle' })).toBe(pool.totalCount)
      expect(failures).toEqual([])
    } finally {
      handle.close()
      await pool.end()
    }
  })

  it('counts every error the app received while the server is stopped and started mid-load, and recovers', async () => {
    const { metrics, failures } = freshMetrics()
    const pool = new pg.Pool({ connectionString: server.url, max: 4 })
    let poolErrors = 0
    pool.on('error', () => poolErrors++)
    const handle = instrumentPool(pool, { metrics, pool: 'restarted' })
    try {
      const load = startLoad(pool, 8)
      await waitFor(() => load.tally.ok >= 100, 20_000)
      await server.stop()
      await waitFor(() => load.tally.failed >= 20, 20_000)
      const okWhileDown = load.tally.ok
      await server.start()
      await waitFor(() => load.tally.ok >= okWhileDown + 100, 30_000)
      await load.stop()
      const s = await scrape(metrics)
      expect(s.value('pg_query_duration_seconds_count', { pool: 'restarted', operation: 'SELECT', outcome: 'ok' })).toBe(load.tally.ok)
      expect(s.sum('pg_query_errors_total', { pool: 'restarted' }) + s.sum('pg_pool_errors_total', { pool: 'restarted' })).toBe(
        load.tally.failed + poolErrors,
      )
      expect(s.value('pg_pool_waiting_requests', { pool: 'restarted' })).toBe(0)
      expect(s.value('pg_pool_connections', { pool: 'restarted', state: 'used' })).toBe(0)
      expect(s.value('pg_pool_connections', { pool: 'restarted', state: 'idle' })).toBe(pool.totalCount)
      expect(failures).toEqual([])
    } finally {
      handle.close()
      await pool.end()
      await admin.end().catch(() => {})
      await connectAdmin()
    }
  })
})
