import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import pg from 'pg'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Metrics } from '@intervai/metrics-core'
import { quotaHooks } from '../src/fastify-entry.js'
import { PostgresRateLimitStore } from '../src/index.js'
import { startEmbeddedPostgres, type TestPostgres } from '../../../test/support/postgres.js'
import { ask, freshMetrics, quotaFigures, rateLimitedApp, type Answer } from './helpers.js'

let server: TestPostgres
let pool: pg.Pool
let limited: FastifyInstance | undefined

beforeAll(async () => {
  server = await startEmbeddedPostgres()
})

afterEach(async () => {
  await limited?.close()
  limited = undefined
  await pool?.end()
})

afterAll(async () => {
  await server?.destroy()
})

async function appWith(skipOnError: boolean, metrics: Metrics, table: string): Promise<FastifyInstance> {
  pool = new pg.Pool({ connectionString: server.url, max: 4, connectionTimeoutMillis: 2000 })
  // What any app must do: pg emits 'error' on the pool when the server ends an idle client.
  pool.on('error', () => {})
  limited = await rateLimitedApp({
    ...quotaHooks({ metrics, quota: 'api' }),
    max: 100_000,
    timeWindow: 600_000,
    skipOnError,
    store: PostgresRateLimitStore.for(pool, { table }),
  })
  return limited
}

/**
 * Sends requests in four lanes while PostgreSQL is stopped and started again underneath, and
 * returns every answer. Bounded: at most 4 x 400 requests, and it ends once a request succeeds
 * after the restart.
 */
async function loadAcrossRestart(app: FastifyInstance): Promise<Answer[]> {
  const answers: Answer[] = []
  let phase: 'up' | 'down' | 'back' = 'up'
  let recovered = false
  const lane = async () => {
    for (let i = 0; i < 400 && !recovered; i++) {
      const answer = await ask(app)
      answers.push(answer)
      if (phase === 'back' && answer.status === 200 && answer.reset !== '0') recovered = true
      await sleep(2)
    }
  }
  const lanes = Promise.all([lane(), lane(), lane(), lane()])
  await sleep(150)
  phase = 'down'
  await server.stop()
  await sleep(300)
  await server.start()
  phase = 'back'
  await lanes
  return answers
}

describe('PostgresRateLimitStore when PostgreSQL stops mid-load', () => {
  it('with skipOnError true lets requests through, counts each as error, and counts again once PostgreSQL is back', async () => {
    const metrics = freshMetrics()
    const app = await appWith(true, metrics, 'skip_on_error')

    const answers = await loadAcrossRestart(app)

    // A check the store failed is let through with no window: rate-limit reports reset 0.
    const passedThrough = answers.filter((a) => a.status === 200 && a.reset === '0').length
    const counted = answers.filter((a) => a.status === 200 && a.reset !== '0').length
    expect(answers.every((a) => a.status === 200)).toBe(true)
    expect(passedThrough).toBeGreaterThan(0)
    expect(await quotaFigures(metrics, 'api')).toEqual({ allowed: counted, exceeded: 0, error: passedThrough, hits: 0 })
    expect((await ask(app)).reset).not.toBe('0')
  })

  it('with skipOnError false fails the requests it cannot check with a 500, counts each as error, and recovers once PostgreSQL is back', async () => {
    const metrics = freshMetrics()
    const app = await appWith(false, metrics, 'fail_on_error')

    const answers = await loadAcrossRestart(app)

    const failed = answers.filter((a) => a.status === 500).length
    const allowed = answers.filter((a) => a.status === 200).length
    expect(failed + allowed).toBe(answers.length)
    expect(failed).toBeGreaterThan(0)
    expect(await quotaFigures(metrics, 'api')).toEqual({ allowed, exceeded: 0, error: failed, hits: 0 })
    expect((await ask(app)).status).toBe(200)
  })

  it('answers a failed check with a message that names no host, port or SQL', async () => {
    const metrics = freshMetrics()
    const app = await appWith(false, metrics, 'quiet_errors')
    await server.stop()
    try {
      const res = await app.inject({ method: 'GET', url: '/', headers: { 'x-api-key': 'key-1' } })

      expect(res.statusCode).toBe(500)
      expect(res.json()).toMatchObject({ code: 'INTERVAI_RATE_LIMIT_STORE', message: 'the rate-limit store failed' })
      expect(res.body).not.toContain('127.0.0.1')
    } finally {
      await server.start()
    }
  })
})
