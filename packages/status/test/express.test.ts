import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { metricCatalog } from '@intervai/metrics-catalog'
import { expressHttpMetrics } from '@intervai/metrics-http/express'
import express from 'express'
import { afterEach, describe, expect, it } from 'vitest'
import { expressStatusPage, type ExpressStatusPage } from '../src/express-entry.js'
import type { StatusData } from '../src/data.js'
import { freshMetrics } from './helpers.js'

const BASIC = `Basic ${Buffer.from('ops:pa55word').toString('base64')}`

describe('expressStatusPage', () => {
  let server: Server | undefined
  let page: ExpressStatusPage | undefined

  afterEach(async () => {
    page?.close()
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
    server = undefined
  })

  async function listen(options: Record<string, unknown> = {}): Promise<string> {
    const metrics = freshMetrics()
    metrics.histogram(metricCatalog.http.requestDuration).labels('GET', '/items', '500').observe(0.3)
    const app = express()
    page = expressStatusPage({ metrics, auth: { username: 'ops', password: 'pa55word' }, ...options })
    app.use(page)
    app.get('/items', (_req, res) => void res.json({ items: [] }))
    server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server?.once('listening', resolve))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  }

  it('serves the page and its data over a real socket with basic auth', async () => {
    const url = await listen()
    const html = await fetch(`${url}/status`, { headers: { authorization: BASIC } })
    expect(html.status).toBe(200)
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(html.headers.get('content-encoding')).toBe('gzip')
    expect(await html.text()).toContain('<div id="groups">')
    const data = await fetch(`${url}/status/data`, { headers: { authorization: BASIC } })
    expect(data.status).toBe(200)
    const body = (await data.json()) as StatusData
    expect(body.groups.find((g) => g.id === 'api')?.stats.find((s) => s.id === 'api.errors')?.value).toBe(1)
  })

  it('answers 401 with a basic challenge without the credentials', async () => {
    const url = await listen()
    const response = await fetch(`${url}/status/data`)
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="metrics", charset="UTF-8"')
    const wrong = await fetch(`${url}/status`, { headers: { authorization: `Basic ${Buffer.from('ops:nope').toString('base64')}` } })
    expect(wrong.status).toBe(401)
  })

  it("passes every other request on to the app's routes", async () => {
    const url = await listen()
    const response = await fetch(`${url}/items`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ items: [] })
    expect((await fetch(`${url}/status/other`)).status).toBe(404)
  })

  it("is not counted as the app's traffic when mounted before the HTTP metrics", async () => {
    const metrics = freshMetrics()
    const app = express()
    page = expressStatusPage({ metrics })
    app.use(page)
    app.use(expressHttpMetrics({ metrics }))
    app.get('/items', (_req, res) => void res.json({ items: [] }))
    server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server?.once('listening', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    for (const path of ['/status', '/status/data', '/items']) expect((await fetch(`${url}${path}`)).status).toBe(200)
    const { body } = await metrics.render()
    expect(body).toContain('http_server_request_duration_seconds_count{method="GET",route="/items",status_code="200"} 1')
    expect(body).not.toContain('__unmatched')
    expect(body).not.toContain('route="/status')
  })

  it('answers 405 to a method other than GET and HEAD on its paths', async () => {
    const url = await listen()
    const response = await fetch(`${url}/status`, { method: 'POST', headers: { authorization: BASIC } })
    expect(response.status).toBe(405)
    expect(response.headers.get('allow')).toBe('GET, HEAD')
  })
})
