import { gunzipSync } from 'node:zlib'
import { metricCatalog } from '@intervai/metrics-catalog'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { fastifyHttpMetrics } from '@intervai/metrics-http/fastify'
import { fastifyStatusPage } from '../src/fastify-entry.js'
import type { StatusData } from '../src/data.js'
import { freshMetrics } from './helpers.js'

const TOKEN = 's3cret-token'

describe('fastifyStatusPage', () => {
  let app: FastifyInstance | undefined

  afterEach(async () => {
    await app?.close()
    app = undefined
  })

  async function build(options: Record<string, unknown> = {}): Promise<FastifyInstance> {
    const metrics = freshMetrics()
    metrics.histogram(metricCatalog.http.requestDuration).labels('GET', '/jobs', '200').observe(0.2)
    app = Fastify()
    await app.register(fastifyStatusPage, { metrics, auth: { bearer: TOKEN }, ...options })
    await app.ready()
    return app
  }

  it('serves the page, self-contained, with a policy that allows only its own inline code', async () => {
    const server = await build()
    const response = await server.inject({ url: '/status', headers: { authorization: `Bearer ${TOKEN}` } })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(response.headers['cache-control']).toBe('no-store')
    const csp = response.headers['content-security-policy'] as string
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("connect-src 'self'")
    expect(csp.match(/'sha256-/g)?.length).toBe(3)
    const html = response.body
    expect(html.match(/<script>/g)?.length).toBe(2)
    expect(html).toContain('uPlot')
    // Nothing is loaded from anywhere: no src attribute, and the one href is an empty data: icon.
    expect(html).not.toMatch(/\ssrc=/)
    expect(html.match(/\shref="[^"]*"/g)).toEqual([' href="data:,"'])
  })

  it('serves its data as JSON at <path>/data', async () => {
    const server = await build({ path: '/ops/status', title: 'Jobs API' })
    const response = await server.inject({ url: '/ops/status/data', headers: { authorization: `Bearer ${TOKEN}` } })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8')
    const data = response.json() as StatusData
    expect(data.source).toBe('sampler')
    expect(data.groups.map((g) => g.id)).toEqual(['api', 'websocket', 'database', 'quota', 'system', 'runtime', 'business'])
    expect(data.groups.find((g) => g.id === 'api')?.stats.find((s) => s.id === 'api.requests')?.value).toBe(1)
    const page = await server.inject({ url: '/ops/status', headers: { authorization: `Bearer ${TOKEN}` } })
    expect(page.body).toContain('<h1>Jobs API</h1>')
  })

  it('answers 401 with a challenge without the credentials, for the page and its data', async () => {
    const server = await build()
    for (const url of ['/status', '/status/data']) {
      const response = await server.inject({ url })
      expect(response.statusCode).toBe(401)
      expect(response.headers['www-authenticate']).toBe('Bearer realm="metrics"')
      expect(response.body).toBe('')
      expect((await server.inject({ url, headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401)
    }
  })

  it('sends gzip to clients that accept it, and plain text to the others', async () => {
    const server = await build()
    const headers = { authorization: `Bearer ${TOKEN}` }
    const plain = await server.inject({ url: '/status', headers })
    const zipped = await server.inject({ url: '/status', headers: { ...headers, 'accept-encoding': 'gzip, deflate' } })
    expect(zipped.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(zipped.rawPayload).toString()).toBe(plain.body)
    expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2)
    const refused = await server.inject({ url: '/status', headers: { ...headers, 'accept-encoding': 'gzip;q=0' } })
    expect(refused.headers['content-encoding']).toBeUndefined()
  })

  it('answers HEAD with the headers only', async () => {
    const server = await build()
    const response = await server.inject({ method: 'HEAD', url: '/status', headers: { authorization: `Bearer ${TOKEN}` } })
    expect(response.statusCode).toBe(200)
    expect(response.body).toBe('')
  })

  it('samples every intervalMs from registration, and stops when the app closes', async () => {
    const metrics = freshMetrics()
    // The sampler runs a metric's scrape-time collectors before reading it: count those runs.
    let samples = 0
    metrics.gauge(metricCatalog.system.cpuUtilization).onCollect(() => void samples++)
    app = Fastify()
    await app.register(fastifyStatusPage, { metrics, intervalMs: 50 })
    await app.ready()
    while (samples < 3) await new Promise((resolve) => setTimeout(resolve, 20))
    await app.close()
    app = undefined
    const stopped = samples
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(samples).toBe(stopped)
  })

  it("is not counted as the app's traffic by the HTTP metrics", async () => {
    const metrics = freshMetrics()
    app = Fastify()
    await app.register(fastifyHttpMetrics, { metrics })
    await app.register(fastifyStatusPage, { metrics })
    app.get('/jobs', async () => ({ jobs: [] }))
    await app.ready()
    for (const url of ['/status', '/status/data', '/status', '/jobs']) expect((await app.inject(url)).statusCode).toBe(200)
    const { body } = await metrics.render()
    expect(body).toContain('http_server_request_duration_seconds_count{method="GET",route="/jobs",status_code="200"} 1')
    expect(body).not.toContain('route="/status')
  })

  it('fails registration with an error naming a bad option', async () => {
    app = Fastify()
    await expect(app.register(fastifyStatusPage, { metrics: freshMetrics(), intervalMs: 5 }).ready()).rejects.toThrow(
      '@intervai/metrics-status: option "intervalMs" must be a whole number from 50 to 3600000 (got 5)',
    )
  })
})
