import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import type { Metrics } from '@intervai/metrics-core'
import { fastifyHttpMetrics } from '../src/fastify-entry.js'
import { COUNT, countsOf, freshMetrics, scrape, sendAll, sorted, sumOf, UNMATCHED_ROUTE, until, type Planned, type Tally } from './helpers.js'

const apps: FastifyInstance[] = []
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()))
})

async function listeningApp(metrics: Metrics, options: FastifyServerOptions = {}): Promise<string> {
  const app = Fastify(options)
  apps.push(app)
  await app.register(fastifyHttpMetrics, { metrics })
  app.get('/users/:id', async () => 'user')
  app.get('/items', async () => 'items')
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** Every line of the exposition: what a scrape costs, and what an unbounded label would grow. */
async function linesOf(metrics: Metrics): Promise<number> {
  return (await metrics.render()).body.split('\n').length
}

function routesOf(tally: Tally): string[] {
  return [...new Set([...tally.keys()].map((key) => key.split(' ')[1]))].sort()
}

const HEX = '0123456789abcdef'
/** A path with a %-escape that cannot be decoded: bad hex digits, a cut-off escape, or bytes that are not UTF-8. */
function badEscape(i: number): string {
  const random = Math.random().toString(36).slice(2, 8)
  switch (i % 4) {
    case 0:
      return `/%zz/anything-${i}`
    case 1:
      return `/${random}/%${HEX[i % 16]}g/${i}`
    case 2:
      return `/users/%e0%a4%a/${random}${i}`
    default:
      return `/%c0%af${random}/${i}%`
  }
}

describe('fastifyHttpMetrics and URLs that must never become labels', () => {
  it('records 20,000 requests with bad %-escapes (answered 400 before routing) as __unmatched, and adds no series', async () => {
    const metrics = freshMetrics()
    const base = await listeningApp(metrics)
    const plan = (from: number, to: number): Planned[] =>
      Array.from({ length: to - from }, (_, k) => ({ method: 'GET', path: badEscape(from + k), route: UNMATCHED_ROUTE }))
    const first = await sendAll(base, plan(0, 100), 20)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 100)
    const lines = await linesOf(metrics)
    const rest = await sendAll(base, plan(100, 20_000), 50)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 20_000)
    expect([...first.entries(), ...rest.entries()].reduce((sum, [key, n]) => (key === `GET ${UNMATCHED_ROUTE} 400` ? sum + n : sum), 0)).toBe(20_000)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual([[`GET ${UNMATCHED_ROUTE} 400`, 20_000]])
    expect(await linesOf(metrics)).toBe(lines)
  })

  it('records 2,000 case and trailing-slash variants under the declared templates only, with default router options', async () => {
    const metrics = freshMetrics()
    const base = await listeningApp(metrics)
    const tally = await sendAll(base, variants(2000, false), 50)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 2000)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual(sorted(tally))
    expect(routesOf(tally)).toEqual(['/items', '/users/:id', UNMATCHED_ROUTE])
  })

  it('records 2,000 case and trailing-slash variants under the declared templates only, with caseSensitive false and ignoreTrailingSlash', async () => {
    const metrics = freshMetrics()
    const base = await listeningApp(metrics, { routerOptions: { caseSensitive: false, ignoreTrailingSlash: true } })
    const tally = await sendAll(base, variants(2000, true), 50)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 2000)
    const counts = countsOf(await scrape(metrics))
    expect(sorted(counts)).toEqual(sorted(tally))
    expect(counts.get('GET /users/:id 200')).toBe(1000)
    expect(counts.get('GET /items 200')).toBe(1000)
  })
})

/** `/users/<n>` and `/items` with random letter case and an optional trailing slash; `lenient`: the router ignores both. */
function variants(count: number, lenient: boolean): Planned[] {
  const plan: Planned[] = []
  for (let i = 0; i < count; i++) {
    const word = i % 2 === 0 ? 'users' : 'items'
    const cased = [...word].map((c) => (Math.random() < 0.5 ? c.toUpperCase() : c)).join('')
    const slash = i % 3 === 0 ? '/' : ''
    const path = word === 'users' ? `/${cased}/${i}${slash}` : `/${cased}${slash}`
    const exact = cased === word && slash === ''
    const template = word === 'users' ? '/users/:id' : '/items'
    plan.push({ method: 'GET', path, route: lenient || exact ? template : UNMATCHED_ROUTE })
  }
  return plan
}
