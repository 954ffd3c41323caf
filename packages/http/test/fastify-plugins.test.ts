import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { fastifyHttpMetrics } from '../src/fastify-entry.js'
import { ACTIVE, COUNT, countsOf, ERRORS, freshMetrics, scrape, sendAll, sorted, sumOf, UNMATCHED_ROUTE, until, valueOf, type Planned } from './helpers.js'

const apps: FastifyInstance[] = []
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** Collects the process warnings with `code` while `run` runs. */
async function warningsDuring(code: string, run: () => Promise<void>): Promise<string[]> {
  const seen: string[] = []
  const listener = (warning: Error & { code?: string }): void => {
    if (warning.code === code) seen.push(warning.message)
  }
  process.on('warning', listener)
  try {
    await run()
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve))
  } finally {
    process.off('warning', listener)
  }
  return seen
}

const deny = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
  if (request.headers.authorization === undefined) await reply.code(401).send('no')
}

describe('fastifyHttpMetrics with plugins and prefixes', () => {
  it('records routes of plugins under parameterised and nested prefixes by their full templates, for 5,000 tenants', async () => {
    const metrics = freshMetrics()
    const app = Fastify()
    apps.push(app)
    await app.register(fastifyHttpMetrics, { metrics })
    await app.register(
      async (tenant) => {
        tenant.get('/profile', async () => 'profile')
        await tenant.register(
          async (items) => {
            items.get('/:id', async () => 'item')
            await items.register(async (notes) => notes.post('/', async (_request, reply) => reply.code(201).send('note')), { prefix: '/:id/notes' })
          },
          { prefix: '/items' },
        )
      },
      { prefix: '/tenants/:tenant' },
    )
    const base = await listen(app)
    const plan: Planned[] = []
    for (let i = 0; i < 5000; i++) {
      plan.push({ method: 'GET', path: `/tenants/t${i}/profile`, route: '/tenants/:tenant/profile' })
      plan.push({ method: 'GET', path: `/tenants/t${i}/items/${i}`, route: '/tenants/:tenant/items/:id' })
      if (i % 10 === 0) plan.push({ method: 'POST', path: `/tenants/t${i}/items/${i}/notes`, route: '/tenants/:tenant/items/:id/notes' })
    }
    const tally = await sendAll(base, plan, 50)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 10_500)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual(sorted(tally))
    expect(sorted(tally)).toEqual([
      ['GET /tenants/:tenant/items/:id 200', 5000],
      ['GET /tenants/:tenant/profile 200', 5000],
      ['POST /tenants/:tenant/items/:id/notes 201', 500],
    ])
  })

  it('names the routes of a plugin registered before it (Fastify gives every route the root hooks at ready)', async () => {
    const metrics = freshMetrics()
    const app = Fastify()
    apps.push(app)
    void app.register(async (early) => {
      early.get('/early/:id', async () => 'early')
    })
    await app.register(fastifyHttpMetrics, { metrics })
    app.get('/late/:id', async () => 'late')
    const base = await listen(app)
    for (let i = 0; i < 3; i++) await (await fetch(`${base}/early/${i}`)).arrayBuffer()
    await (await fetch(`${base}/late/1`)).arrayBuffer()
    await until(async () => sumOf(await scrape(metrics), COUNT) === 4)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual([
      ['GET /early/:id 200', 3],
      ['GET /late/:id 200', 1],
    ])
  })

  it('records requests answered by an onRequest hook added before it as __unmatched on a listening server, and warns once', async () => {
    // Such a hook ends the request before ours runs: only the server's channel sees it.
    const metrics = freshMetrics()
    const app = Fastify()
    apps.push(app)
    app.addHook('onRequest', async (request, reply) => {
      if (request.url.startsWith('/ping')) return reply.send('pong')
    })
    await app.register(fastifyHttpMetrics, { metrics })
    app.get('/late/:id', async () => 'late')
    const base = await listen(app)
    const warnings = await warningsDuring('INTERVAI_METRICS_HTTP_UNSEEN_ROUTE', async () => {
      for (let i = 0; i < 3; i++) await (await fetch(`${base}/ping/${i}`)).arrayBuffer()
      await (await fetch(`${base}/late/1`)).arrayBuffer()
      await until(async () => sumOf(await scrape(metrics), COUNT) === 4)
    })
    expect(sorted(countsOf(await scrape(metrics)))).toEqual([
      ['GET /late/:id 200', 1],
      [`GET ${UNMATCHED_ROUTE} 200`, 3],
    ])
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('Register the plugin before other plugins and routes')
  })

  it('records a 401 from an onRequest hook added after the plugin under its route', async () => {
    const metrics = freshMetrics()
    const app = Fastify()
    apps.push(app)
    await app.register(fastifyHttpMetrics, { metrics })
    app.addHook('onRequest', deny)
    app.get('/private/:id', async () => 'secret')
    const base = await listen(app)
    for (let i = 0; i < 5; i++) await (await fetch(`${base}/private/${i}`)).arrayBuffer()
    await (await fetch(`${base}/private/9`, { headers: { authorization: 'x' } })).arrayBuffer()
    expect((await app.inject('/private/7')).statusCode).toBe(401)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 7)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual([
      ['GET /private/:id 200', 1],
      ['GET /private/:id 401', 6],
    ])
  })

  it('records a 401 from an onRequest hook added before the plugin as __unmatched on a listening server, and not at all with inject', async () => {
    // The earlier hook answers before this plugin's hook runs, so nothing names the route;
    // the README asks for the plugin to be registered first.
    const metrics = freshMetrics()
    const app = Fastify()
    apps.push(app)
    app.addHook('onRequest', deny)
    await app.register(fastifyHttpMetrics, { metrics })
    app.get('/private/:id', async () => 'secret')
    const base = await listen(app)
    for (let i = 0; i < 5; i++) await (await fetch(`${base}/private/${i}`)).arrayBuffer()
    await (await fetch(`${base}/private/9`, { headers: { authorization: 'x' } })).arrayBuffer()
    expect((await app.inject('/private/7')).statusCode).toBe(401)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 6)
    const parsed = await scrape(metrics)
    expect(sorted(countsOf(parsed))).toEqual([
      ['GET /private/:id 200', 1],
      [`GET ${UNMATCHED_ROUTE} 401`, 5],
    ])
    expect(valueOf(parsed, ACTIVE, { method: 'GET' })).toBe(0)
  })

  it('counts one handler error for a request whose onSend hook throws, though Fastify runs onError twice', async () => {
    const metrics = freshMetrics()
    const app = Fastify()
    apps.push(app)
    await app.register(fastifyHttpMetrics, { metrics })
    let onErrorCalls = 0
    app.addHook('onError', async () => {
      onErrorCalls++
    })
    app.addHook('onSend', async (request) => {
      if (request.url.startsWith('/broken')) throw Object.assign(new Error('onSend failed'), { code: 'E_ON_SEND' })
    })
    app.get('/broken/:id', async () => 'never sent')
    const statuses = []
    for (let i = 0; i < 10; i++) statuses.push((await app.inject(`/broken/${i}`)).statusCode)
    expect(statuses).toEqual(new Array(10).fill(500))
    expect(onErrorCalls).toBe(20)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 10)
    const parsed = await scrape(metrics)
    expect(sumOf(parsed, ERRORS)).toBe(10)
    expect(valueOf(parsed, ERRORS, { method: 'GET', route: '/broken/:id', error: 'E_ON_SEND' })).toBe(10)
    expect(sorted(countsOf(parsed))).toEqual([['GET /broken/:id 500', 10]])
  })
})
