import express, { type Express } from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import type { Metrics } from '@intervai/metrics-core'
import { expressHttpMetrics } from '../src/express-entry.js'
import {
  abortMidHandler,
  closeServers,
  listenOn,
  ACTIVE,
  COUNT,
  countsOf,
  ERRORS,
  freshMetrics,
  Rendezvous,
  scrape,
  sendAll,
  sorted,
  sumOf,
  UNMATCHED_ROUTE,
  until,
  valueOf,
  type Planned,
} from './helpers.js'

afterEach(closeServers)

function appWith(metrics: Metrics, routes: (app: Express) => void): Express {
  const app = express()
  // Keeps Express's final handler from printing a stack trace for each of the 1,000 500s.
  app.set('env', 'test')
  const recordMetrics = expressHttpMetrics({ metrics, expose: true })
  app.use(recordMetrics)
  routes(app)
  app.use(recordMetrics.errorHandler)
  return app
}


function threeRoutes(app: Express): void {
  app.get('/users/:id', (req, res) => {
    res.json({ id: req.params.id })
  })
  const api = express.Router()
  api.post('/items', (_req, res) => {
    res.status(201).json({ ok: true })
  })
  app.use('/api', api)
  app.get('/fail/:n', () => {
    throw new Error('handler failed')
  })
}

describe('expressHttpMetrics on a listening server', () => {
  it('records exactly the statuses the client received for 10,000 requests at concurrency 100, and ends with 0 in flight', async () => {
    const metrics = freshMetrics()
    const { base } = await listenOn(appWith(metrics, threeRoutes))
    const plan: Planned[] = []
    for (let i = 0; i < 10_000; i++) {
      const kind = i % 10
      if (kind < 5) plan.push({ method: 'GET', path: `/users/${i}`, route: '/users/:id' })
      else if (kind < 7) plan.push({ method: 'POST', path: '/api/items', route: '/api/items' })
      else if (kind < 9) plan.push({ method: 'GET', path: `/missing/${i}`, route: UNMATCHED_ROUTE })
      else plan.push({ method: 'GET', path: `/fail/${i}`, route: '/fail/:n' })
    }
    const tally = await sendAll(base, plan, 100)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 10_000)
    const parsed = await scrape(metrics)
    expect(sorted(countsOf(parsed))).toEqual(sorted(tally))
    expect(tally.get('GET /users/:id 200')).toBe(5000)
    expect(tally.get('POST /api/items 201')).toBe(2000)
    expect(tally.get(`GET ${UNMATCHED_ROUTE} 404`)).toBe(2000)
    expect(tally.get('GET /fail/:n 500')).toBe(1000)
    expect(valueOf(parsed, ACTIVE, { method: 'GET' })).toBe(0)
    expect(valueOf(parsed, ACTIVE, { method: 'POST' })).toBe(0)
    expect(valueOf(parsed, ERRORS, { method: 'GET', route: '/fail/:n', error: 'Error' })).toBe(1000)
  })

  it('records each of 1,000 requests aborted mid-handler once, as 499, and ends with 0 in flight', async () => {
    const metrics = freshMetrics()
    const entered = new Rendezvous()
    const { port } = await listenOn(
      appWith(metrics, (app) => {
        app.get('/slow/:id', (req, res) => {
          entered.arrive(req.params.id as string)
          req.once('close', () => res.end('too late'))
        })
      }),
    )
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => {
          const id = String(batch * 100 + i)
          return abortMidHandler(port, `/slow/${id}`, entered.waitFor(id))
        }),
      )
    }
    await until(async () => sumOf(await scrape(metrics), COUNT) === 1000)
    const parsed = await scrape(metrics)
    expect(sorted(countsOf(parsed))).toEqual([['GET /slow/:id 499', 1000]])
    expect(valueOf(parsed, ACTIVE, { method: 'GET' })).toBe(0)
  })

  it('records unmatched URLs and odd methods in a fixed set of series', async () => {
    const metrics = freshMetrics()
    const { base } = await listenOn(appWith(metrics, threeRoutes))
    const plan: Planned[] = []
    for (let i = 0; i < 1000; i++) plan.push({ method: 'GET', path: `/${Math.random().toString(36).slice(2)}/${i}`, route: UNMATCHED_ROUTE })
    for (const method of ['PROPFIND', 'PURGE', 'MKCOL', 'LOCK']) plan.push({ method, path: '/users/1', route: UNMATCHED_ROUTE })
    await sendAll(base, plan, 50)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 1004)
    // The bound: (GET, __unmatched, 404) and (_OTHER, __unmatched, 404), whatever the URLs and methods.
    expect(sorted(countsOf(await scrape(metrics)))).toEqual(
      sorted(
        new Map([
          [`GET ${UNMATCHED_ROUTE} 404`, 1000],
          [`_OTHER ${UNMATCHED_ROUTE} 404`, 4],
        ]),
      ),
    )
  })

  it('serves the metrics on /metrics without counting the scrapes', async () => {
    const metrics = freshMetrics()
    const { base } = await listenOn(appWith(metrics, threeRoutes))
    await (await fetch(`${base}/users/1`)).text()
    const response = await fetch(`${base}/metrics`)
    const body = await response.text()
    expect(response.status).toBe(200)
    expect(body).toContain('http_server_request_duration_seconds_count{method="GET",route="/users/:id",status_code="200"} 1')
    await until(async () => sumOf(await scrape(metrics), COUNT) === 1)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual([['GET /users/:id 200', 1]])
  })
})
