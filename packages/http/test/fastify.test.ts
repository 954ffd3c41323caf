import Fastify, { type FastifyInstance } from 'fastify'
import { channel as diagnosticsChannel } from 'node:diagnostics_channel'
import { connect, type AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createMetrics, type Metrics } from '@intervai/metrics-core'
import { fastifyHttpMetrics } from '../src/fastify-entry.js'
import {
  abortMidHandler,
  ACTIVE,
  COUNT,
  countsOf,
  ERRORS,
  freshMetrics,
  INSTRUMENTATION_ERRORS,
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

const apps: FastifyInstance[] = []
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

async function appWith(metrics: Metrics, routes: (app: FastifyInstance) => void = () => {}): Promise<FastifyInstance> {
  const app = Fastify()
  apps.push(app)
  await app.register(fastifyHttpMetrics, { metrics })
  routes(app)
  return app
}

async function listen(app: FastifyInstance): Promise<{ base: string; port: number }> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as AddressInfo).port
  return { base: `http://127.0.0.1:${port}`, port }
}

function threeRoutes(app: FastifyInstance): void {
  app.get('/users/:id', async (request) => ({ id: (request.params as { id: string }).id }))
  app.post('/items', async (_request, reply) => reply.code(201).send({ ok: true }))
  app.get('/fail/:n', async () => {
    throw new Error('handler failed')
  })
}

describe('fastifyHttpMetrics on a listening server', () => {
  it('records pipelined requests dropped with their socket once each, as 499, and ends with 0 in flight', async () => {
    // The queued requests' responses never emit close: only their request's close tells they ended.
    const metrics = freshMetrics()
    let entered = 0
    const app = await appWith(metrics, (a) => {
      a.get('/queued/:n', async () => {
        entered++
        await new Promise((resolve) => setTimeout(resolve, 50))
        return { ok: true }
      })
    })
    const { port } = await listen(app)
    const socket = connect(port, '127.0.0.1')
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write([1, 2, 3].map((n) => `GET /queued/${n} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''))
    await until(() => entered === 3)
    socket.destroy()
    await until(async () => sumOf(await scrape(metrics), COUNT) === 3)
    const parsed = await scrape(metrics)
    expect(valueOf(parsed, COUNT, { method: 'GET', route: '/queued/:n', status_code: '499' })).toBe(3)
    expect(valueOf(parsed, ACTIVE, { method: 'GET' })).toBe(0)
  })

  it('records slow answers to requests with a body under their status, not as 499', async () => {
    // Regression: the request's close event fires once its body is read, before a slow handler answers.
    const metrics = freshMetrics()
    const app = await appWith(metrics, (a) => {
      a.post('/slow', async (_request, reply) => {
        await new Promise((resolve) => setTimeout(resolve, 30))
        return reply.code(201).send({ ok: true })
      })
      a.get('/slow', async () => {
        await new Promise((resolve) => setTimeout(resolve, 30))
        return { ok: true }
      })
    })
    const { base } = await listen(app)
    const statuses = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const res = i % 2 === 0 ? await fetch(`${base}/slow`, { method: 'POST', body: JSON.stringify({ i }), headers: { 'content-type': 'application/json' } }) : await fetch(`${base}/slow`)
        await res.arrayBuffer()
        return res.status
      }),
    )
    expect(statuses.filter((status) => status === 201)).toHaveLength(10)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 20)
    const parsed = await scrape(metrics)
    expect(valueOf(parsed, COUNT, { method: 'POST', route: '/slow', status_code: '201' })).toBe(10)
    expect(valueOf(parsed, COUNT, { method: 'GET', route: '/slow', status_code: '200' })).toBe(10)
    expect(sumOf(parsed, COUNT, { status_code: '499' })).toBe(0)
    expect(valueOf(parsed, ACTIVE, { method: 'POST' })).toBe(0)
  })

  it('records exactly the statuses the client received for 10,000 requests at concurrency 100, and ends with 0 in flight', async () => {
    const metrics = freshMetrics()
    const app = await appWith(metrics, threeRoutes)
    const { base } = await listen(app)
    const plan: Planned[] = []
    for (let i = 0; i < 10_000; i++) {
      const kind = i % 10
      if (kind < 5) plan.push({ method: 'GET', path: `/users/${i}`, route: '/users/:id' })
      else if (kind < 7) plan.push({ method: 'POST', path: '/items', route: '/items' })
      else if (kind < 9) plan.push({ method: 'GET', path: `/missing/${i}`, route: UNMATCHED_ROUTE })
      else plan.push({ method: 'GET', path: `/fail/${i}`, route: '/fail/:n' })
    }
    const tally = await sendAll(base, plan, 100)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 10_000)
    const parsed = await scrape(metrics)
    expect(sorted(countsOf(parsed))).toEqual(sorted(tally))
    expect(tally.get('GET /users/:id 200')).toBe(5000)
    expect(tally.get('POST /items 201')).toBe(2000)
    expect(tally.get(`GET ${UNMATCHED_ROUTE} 404`)).toBe(2000)
    expect(tally.get('GET /fail/:n 500')).toBe(1000)
    expect(valueOf(parsed, ACTIVE, { method: 'GET' })).toBe(0)
    expect(valueOf(parsed, ACTIVE, { method: 'POST' })).toBe(0)
    expect(valueOf(parsed, ERRORS, { method: 'GET', route: '/fail/:n', error: 'Error' })).toBe(1000)
  })

  it('records each of 1,000 requests aborted mid-handler once, as 499, and ends with 0 in flight', async () => {
    const metrics = freshMetrics()
    const entered = new Rendezvous()
    const app = await appWith(metrics, (app) => {
      app.get('/slow/:id', async (request, reply) => {
        entered.arrive((request.params as { id: string }).id)
        // Answer only after the client has gone, so the hang-up happens mid-handler.
        await new Promise((resolve) => request.raw.once('close', resolve))
        return reply.send('too late')
      })
    })
    const { port } = await listen(app)
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

  it('keeps the series count at its bound for 10,000 random unmatched URLs and 100 requests with odd methods', async () => {
    const metrics = freshMetrics()
    const app = await appWith(metrics, threeRoutes)
    const { base } = await listen(app)
    const odd = ['PROPFIND', 'PURGE', 'MKCOL', 'LOCK', 'UNLOCK', 'SEARCH', 'REPORT', 'COPY', 'MOVE', 'PROPPATCH']
    const plan: Planned[] = []
    for (let i = 0; i < 10_000; i++) {
      plan.push({ method: 'GET', path: `/${Math.random().toString(36).slice(2)}/${i}?q=${i}`, route: UNMATCHED_ROUTE })
    }
    for (let i = 0; i < 100; i++) plan.push({ method: odd[i % odd.length] as string, path: `/users/${i}`, route: UNMATCHED_ROUTE })
    await sendAll(base, plan, 50)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 10_100)
    const parsed = await scrape(metrics)
    // The bound: one series per (method, route, status) seen, here GET and _OTHER on the
    // unmatched route, both 404, whatever the URLs and methods were.
    expect(sorted(countsOf(parsed))).toEqual(
      sorted(
        new Map([
          [`GET ${UNMATCHED_ROUTE} 404`, 10_000],
          [`_OTHER ${UNMATCHED_ROUTE} 404`, 100],
        ]),
      ),
    )
    const activeSeries = parsed.samples.filter((s) => s.name === ACTIVE).map((s) => s.labels.method)
    expect(activeSeries.sort()).toEqual(['GET', 'HEAD', 'POST', '_OTHER'])
  })
})

describe('fastifyHttpMetrics with inject', () => {
  it('records a route by its template, not its URL', async () => {
    const metrics = freshMetrics()
    const app = await appWith(metrics, threeRoutes)
    await app.inject('/users/1')
    await app.inject('/users/2?x=1')
    await until(async () => sumOf(await scrape(metrics), COUNT) === 2)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual([['GET /users/:id 200', 2]])
  })

  it('records a HEAD request under HEAD on the GET route template', async () => {
    const metrics = freshMetrics()
    const app = await appWith(metrics, threeRoutes)
    await app.inject({ method: 'HEAD', url: '/users/7' })
    await until(async () => sumOf(await scrape(metrics), COUNT) === 1)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual([['HEAD /users/:id 200', 1]])
  })

  it('leaves out a route whose config says metrics: false, in flight too', async () => {
    const metrics = freshMetrics()
    let activeSeen: number | undefined
    const app = await appWith(metrics, (app) => {
      app.get('/health', { config: { metrics: false } }, async () => {
        activeSeen = valueOf(await scrape(metrics), ACTIVE, { method: 'GET' })
        return 'ok'
      })
      app.get('/users/:id', async () => 'user')
    })
    expect((await app.inject('/health')).statusCode).toBe(200)
    await app.inject('/users/1')
    await until(async () => sumOf(await scrape(metrics), COUNT) === 1)
    expect(activeSeen).toBe(0)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual([['GET /users/:id 200', 1]])
  })

  it('records a route declared before the plugin was registered', async () => {
    const metrics = freshMetrics()
    const app = Fastify()
    apps.push(app)
    app.get('/early', async () => 'early')
    await app.register(fastifyHttpMetrics, { metrics })
    await app.inject('/early')
    await until(async () => sumOf(await scrape(metrics), COUNT) === 1)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual([['GET /early 200', 1]])
  })

  it('records a request answered by an earlier onRequest hook under its route', async () => {
    const metrics = freshMetrics()
    const app = await appWith(metrics, (app) => {
      app.addHook('onRequest', async (_request, reply) => reply.code(401).send('no'))
      app.get('/private/:id', async () => 'secret')
    })
    expect((await app.inject('/private/1')).statusCode).toBe(401)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 1)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual([['GET /private/:id 401', 1]])
  })

  it('counts a handler error under its code when it has one, else its class name', async () => {
    const metrics = freshMetrics()
    const app = await appWith(metrics, (app) => {
      app.get('/coded', async () => {
        throw Object.assign(new Error('nope'), { code: 'E_UPSTREAM', statusCode: 502 })
      })
      app.get('/typed', async () => {
        throw new TypeError('bad')
      })
      app.get('/hostile', async () => {
        throw Object.assign(new Error('x'), { code: 'not a code "\n' })
      })
    })
    expect((await app.inject('/coded')).statusCode).toBe(502)
    await app.inject('/typed')
    await app.inject('/hostile')
    const parsed = await scrape(metrics)
    expect(valueOf(parsed, ERRORS, { method: 'GET', route: '/coded', error: 'E_UPSTREAM' })).toBe(1)
    expect(valueOf(parsed, ERRORS, { method: 'GET', route: '/typed', error: 'TypeError' })).toBe(1)
    expect(valueOf(parsed, ERRORS, { method: 'GET', route: '/hostile', error: 'Error' })).toBe(1)
  })
})

describe('fastifyHttpMetrics registered more than once', () => {
  it('counts once when registered twice in one app', async () => {
    const metrics = freshMetrics()
    const app = Fastify()
    apps.push(app)
    await app.register(fastifyHttpMetrics, { metrics })
    await app.register(fastifyHttpMetrics, { metrics })
    await app.register(async (child) => {
      await child.register(fastifyHttpMetrics, { metrics })
      child.get('/child', async () => 'child')
    })
    threeRoutes(app)
    for (let i = 0; i < 10; i++) await app.inject(`/users/${i}`)
    await app.inject('/child')
    await app.inject('/nowhere')
    await until(async () => sumOf(await scrape(metrics), COUNT) === 12)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual([
      ['GET /child 200', 1],
      ['GET /users/:id 200', 10],
      [`GET ${UNMATCHED_ROUTE} 404`, 1],
    ])
  })

  it('sums two apps on one registry without throwing or double counting', async () => {
    const metrics = freshMetrics()
    const a = await appWith(metrics, threeRoutes)
    // A second metrics object on the same registry: get-or-create hands it the same metrics.
    const b = await appWith(createMetrics({ registry: metrics.registry }), threeRoutes)
    for (let i = 0; i < 3; i++) await a.inject(`/users/${i}`)
    for (let i = 0; i < 4; i++) await b.inject(`/users/${i}`)
    await b.inject('/missing')
    await until(async () => sumOf(await scrape(metrics), COUNT) === 8)
    const parsed = await scrape(metrics)
    expect(sorted(countsOf(parsed))).toEqual([
      ['GET /users/:id 200', 7],
      [`GET ${UNMATCHED_ROUTE} 404`, 1],
    ])
    expect(valueOf(parsed, ACTIVE, { method: 'GET' })).toBe(0)
  })
})

describe('fastifyHttpMetrics when recording fails', () => {
  it('answers exactly as without metrics and counts every failure in instrumentation_errors_total', async () => {
    const metrics = freshMetrics()
    const app = await appWith(metrics, threeRoutes)
    const duration = metrics.histogram({
      name: 'http_server_request_duration_seconds',
      help: 'ignored: the existing histogram is returned',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
    })
    duration.labels('GET', '/users/:id', '200').observe = () => {
      throw new Error('forced recording failure')
    }
    const responses = []
    for (let i = 0; i < 5; i++) responses.push(await app.inject(`/users/${i}`))
    expect(responses.map((r) => [r.statusCode, r.body])).toEqual(
      Array.from({ length: 5 }, (_, i) => [200, JSON.stringify({ id: String(i) })]),
    )
    await until(async () => valueOf(await scrape(metrics), INSTRUMENTATION_ERRORS, { component: 'http' }) === 5)
    expect(valueOf(await scrape(metrics), ACTIVE, { method: 'GET' })).toBe(0)
  })
})

describe('fastifyHttpMetrics expose', () => {
  it('serves the metrics on /metrics without counting the scrapes', async () => {
    const metrics = freshMetrics()
    const app = Fastify()
    apps.push(app)
    await app.register(fastifyHttpMetrics, { metrics, expose: true })
    threeRoutes(app)
    await app.inject('/users/1')
    await app.inject('/metrics')
    await app.inject({ method: 'HEAD', url: '/metrics' })
    const response = await app.inject('/metrics')
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(sorted(countsOf(await scrape(metrics)))).toEqual([['GET /users/:id 200', 1]])
  })

  it('answers OpenMetrics when the scraper asks for it', async () => {
    const metrics = freshMetrics()
    const app = Fastify()
    apps.push(app)
    await app.register(fastifyHttpMetrics, { metrics, expose: { path: '/internal/metrics' } })
    const response = await app.inject({ url: '/internal/metrics', headers: { accept: 'application/openmetrics-text; version=1.0.0' } })
    expect(response.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8')
    expect(response.body.endsWith('# EOF\n')).toBe(true)
  })

  it('asks for credentials when auth is set, and serves with the right bearer token', async () => {
    const metrics = freshMetrics()
    const app = Fastify()
    apps.push(app)
    await app.register(fastifyHttpMetrics, { metrics, expose: { auth: { bearer: 's3cret' } } })
    const denied = await app.inject('/metrics')
    const wrong = await app.inject({ url: '/metrics', headers: { authorization: 'Bearer nope' } })
    const allowed = await app.inject({ url: '/metrics', headers: { authorization: 'Bearer s3cret' } })
    expect([denied.statusCode, wrong.statusCode, allowed.statusCode]).toEqual([401, 401, 200])
    expect(denied.headers['www-authenticate']).toBe('Bearer realm="metrics"')
    expect(sumOf(await scrape(metrics), COUNT)).toBe(0)
  })
})

describe('fastifyHttpMetrics for requests their route handler never sees', () => {
  it('records 401 and 429 sent by app hooks, 400 from validation and 404 under their route, listening and with inject', async () => {
    const metrics = freshMetrics()
    const app = await appWith(metrics, (a) => {
      a.addHook('onRequest', async (request, reply) => {
        if (request.headers.authorization === undefined) return reply.code(401).send('no')
        if (request.headers['x-over-quota'] === 'yes') return reply.code(429).send('slow down')
      })
      a.get('/items/:id', { schema: { params: { type: 'object', properties: { id: { type: 'integer' } } } } }, async () => 'item')
    })
    const { base } = await listen(app)
    const auth = { authorization: 'Bearer x' }
    const sent: [string, Record<string, string>][] = [
      ['/items/1', {}],
      ['/items/2', { ...auth, 'x-over-quota': 'yes' }],
      ['/items/abc', auth],
      ['/items/3?x=1', auth],
      ['/nowhere/at/all', auth],
    ]
    const statuses = []
    for (const [path, headers] of sent) {
      const res = await fetch(`${base}${path}`, { headers })
      await res.arrayBuffer()
      statuses.push(res.status)
    }
    expect(statuses).toEqual([401, 429, 400, 200, 404])
    expect((await app.inject({ url: '/items/4', headers: { ...auth, 'x-over-quota': 'yes' } })).statusCode).toBe(429)
    expect((await app.inject('/items/5')).statusCode).toBe(401)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 7)
    const parsed = await scrape(metrics)
    expect(sorted(countsOf(parsed))).toEqual([
      ['GET /items/:id 200', 1],
      ['GET /items/:id 400', 1],
      ['GET /items/:id 401', 2],
      ['GET /items/:id 429', 2],
      [`GET ${UNMATCHED_ROUTE} 404`, 1],
    ])
    expect(valueOf(parsed, ACTIVE, { method: 'GET' })).toBe(0)
  })

  it('records a parametric route declared before the plugin under its template', async () => {
    const metrics = freshMetrics()
    const app = Fastify()
    apps.push(app)
    app.get('/early/:id', async () => 'early')
    await app.register(fastifyHttpMetrics, { metrics })
    const { base } = await listen(app)
    for (const path of ['/early/1', '/early/2%20x', '/early/3?q=1']) await (await fetch(`${base}${path}`)).arrayBuffer()
    await app.inject('/early/4')
    await until(async () => sumOf(await scrape(metrics), COUNT) === 4)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual([['GET /early/:id 200', 4]])
  })

  it('adds no server listener, and takes its channel subscription away when the app closes', async () => {
    const requestStart = diagnosticsChannel('http.server.request.start')
    const app = Fastify()
    const listeners = app.server.listenerCount('request')
    expect(requestStart.hasSubscribers).toBe(false)
    await app.register(fastifyHttpMetrics, { metrics: freshMetrics() })
    await app.ready()
    expect(requestStart.hasSubscribers).toBe(true)
    expect(app.server.listenerCount('request')).toBe(listeners)
    await app.close()
    expect(requestStart.hasSubscribers).toBe(false)
    expect(app.server.listenerCount('request')).toBe(listeners)
    await expect(app.inject('/')).rejects.toThrow()
  })
})
