import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { createMetrics, type MetricsServer } from '../src/index.js'
import { parseExposition, valueOf } from '../../../test/support/exposition.js'

let server: MetricsServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function start(auth?: Parameters<ReturnType<typeof createMetrics>['serve']>[0]['auth']) {
  const metrics = createMetrics({ registry: new Registry() })
  metrics.counter({ name: 'hits_total', help: 'Hits' }).labels().inc(3)
  server = await metrics.serve({ port: 0, auth })
  return server
}

describe('standalone metrics server', () => {
  it('listens on 127.0.0.1 by default and serves the metrics', async () => {
    const s = await start()
    expect(s.url).toBe(`http://127.0.0.1:${s.port}/metrics`)
    const res = await fetch(s.url)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(valueOf(parseExposition(await res.text()), 'hits_total')).toBe(3)
  })

  it('answers HEAD without a body, other methods with 405, other paths with 404', async () => {
    const s = await start()
    const head = await fetch(s.url, { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(await head.text()).toBe('')
    const post = await fetch(s.url, { method: 'POST' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD')
    expect((await fetch(s.url.replace('/metrics', '/other'))).status).toBe(404)
  })

  it('requires the bearer token when one is set', async () => {
    const s = await start({ bearer: 's3cret' })
    const denied = await fetch(s.url, { headers: { authorization: 'Bearer wrong' } })
    expect(denied.status).toBe(401)
    expect(denied.headers.get('www-authenticate')).toBe('Bearer realm="metrics"')
    expect((await fetch(s.url)).status).toBe(401)
    expect((await fetch(s.url, { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200)
  })

  it('requires basic credentials when they are set', async () => {
    const s = await start({ username: 'prom', password: 'pw' })
    const basic = (text: string) => ({ authorization: `Basic ${Buffer.from(text).toString('base64')}` })
    expect((await fetch(s.url, { headers: basic('prom:nope') })).status).toBe(401)
    expect((await fetch(s.url, { headers: basic('prom:pw') })).status).toBe(200)
  })

  it('rejects unusable auth and ports at setup', async () => {
    const metrics = createMetrics({ registry: new Registry() })
    await expect(metrics.serve({ port: 0, auth: { bearer: '' } as never })).rejects.toThrow('option "auth" must be { bearer: string } or { username: string, password: string } (got {"bearer":""})')
    await expect(metrics.serve({ port: 70000 })).rejects.toThrow('option "port" must be a whole number from 0 to 65535 (got 70000)')
  })

  it('answers extra routes behind the same auth, and 404 elsewhere', async () => {
    const metrics = createMetrics({ registry: new Registry() })
    server = await metrics.serve({
      port: 0,
      auth: { bearer: 's3cret' },
      routes: { '/status': (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('status page') },
    })
    const base = `http://127.0.0.1:${server.port}`
    const auth = { authorization: 'Bearer s3cret' }
    expect((await fetch(`${base}/status`)).status).toBe(401)
    const page = await fetch(`${base}/status?x=1`, { headers: auth })
    expect([page.status, await page.text()]).toEqual([200, 'status page'])
    expect((await fetch(`${base}/metrics`, { headers: auth })).status).toBe(200)
    expect((await fetch(`${base}/statusx`, { headers: auth })).status).toBe(404)
  })

  it('rejects an extra route that is not a handler under a path', async () => {
    const metrics = createMetrics({ registry: new Registry() })
    await expect(metrics.serve({ port: 0, routes: { status: () => {} } })).rejects.toThrow('option "routes["status"]" must be a node:http handler under a path starting with "/" (got function status)')
    await expect(metrics.serve({ port: 0, routes: { '/metrics': () => {} } })).rejects.toThrow('option "routes["/metrics"]" must be a path other than the metrics path (got "/metrics")')
  })
})
