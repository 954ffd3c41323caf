import http from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocketServer, type ServerOptions } from 'ws'
import { wsFailureReasons } from '@intervai/metrics-catalog'
import { instrumentWebSocketServer } from '../src/index.js'
import { freshMetrics, inBatches, listen, openConnections, rawUpgrade, scrape, stopAll, until, upgradeHeaders } from './support.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

// The app routes every upgrade to one noServer WebSocketServer, which only handles /ws.
async function noServerApp(options: Omit<ServerOptions, 'noServer' | 'server' | 'port'> = {}) {
  const server = http.createServer()
  const wss = new WebSocketServer({ ...options, noServer: true, path: '/ws' })
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)))
  const port = await listen(server)
  cleanups.push(() => stopAll(wss, server))
  return { server, wss, port }
}

// verifyClient rejects 'Bad' origins with 401, and waits for a client's FIN when asked to, so
// the "client hung up during the handshake" case does not depend on timing.
function verifyClient(info: { origin: string; req: http.IncomingMessage }, done: (ok: boolean, code?: number) => void): void {
  if (info.origin === 'Bad') return done(false, 401)
  if (info.req.headers['x-wait-for-fin'] === undefined) return done(true)
  const socket = info.req.socket
  if (socket.readableEnded) done(true)
  else socket.once('end', () => done(true))
}

const cases = [
  { name: 'bad Sec-WebSocket-Key', reason: wsFailureReasons.invalidKey, request: upgradeHeaders('/ws', { 'Sec-WebSocket-Key': 'short' }), fin: false },
  { name: 'bad version', reason: wsFailureReasons.invalidVersion, request: upgradeHeaders('/ws', { 'Sec-WebSocket-Version': '12' }), fin: false },
  { name: 'verifyClient 401', reason: wsFailureReasons.rejected, request: upgradeHeaders('/ws', { Origin: 'Bad' }), fin: false },
  { name: 'wrong path', reason: wsFailureReasons.pathMismatch, request: upgradeHeaders('/elsewhere'), fin: false },
  { name: 'client FIN before the upgrade', reason: wsFailureReasons.clientClosed, request: upgradeHeaders('/ws', { 'X-Wait-For-Fin': '1' }), fin: true },
] as const

describe('connection failures', () => {
  it('counts 500 of each failed handshake by reason, with the same answers as uninstrumented and no socket left open', async () => {
    const bare = await noServerApp({ verifyClient })
    const expected = new Map<string, number | null>()
    for (const c of cases) expected.set(c.name, await rawUpgrade(bare.port, c.request, c.fin))
    expect([...expected.values()]).toEqual([400, 400, 401, 400, null])

    const metrics = freshMetrics()
    const app = await noServerApp({ verifyClient })
    const handle = instrumentWebSocketServer(app.wss, { metrics })
    cleanups.push(() => handle.close())
    const baseline = await openConnections(app.server)
    const answers = new Map<string, Map<number | null, number>>()
    for (const c of cases) {
      const seen = new Map<number | null, number>()
      answers.set(c.name, seen)
      await inBatches(500, 25, async () => {
        const status = await rawUpgrade(app.port, c.request, c.fin)
        seen.set(status, (seen.get(status) ?? 0) + 1)
      })
    }
    for (const c of cases) expect([...(answers.get(c.name) ?? [])]).toEqual([[expected.get(c.name), 500]])
    await until(() => app.wss.clients.size === 0)
    let open = -1
    for (let i = 0; i < 200 && open !== baseline; i++) {
      open = await openConnections(app.server)
      if (open !== baseline) await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(open).toBe(baseline)

    const value = await scrape(metrics)
    for (const c of cases) expect(value('ws_connection_failures_total', { server: 'default', reason: c.reason })).toBe(500)
    expect(value('ws_connections_opened_total', { server: 'default' })).toBe(0)
    const total = Object.values(wsFailureReasons).reduce((sum, reason) => sum + (value('ws_connection_failures_total', { server: 'default', reason }) ?? 0), 0)
    expect(total).toBe(2500)
  })

  it('counts a bad method, a bad Upgrade header and a bad Sec-WebSocket-Protocol header each under its own reason', async () => {
    const metrics = freshMetrics()
    const app = await noServerApp()
    const handle = instrumentWebSocketServer(app.wss, { metrics })
    cleanups.push(() => handle.close())
    expect(await rawUpgrade(app.port, upgradeHeaders('/ws', {}, 'POST'))).toBe(405)
    expect(await rawUpgrade(app.port, upgradeHeaders('/ws', { Upgrade: 'h2c' }))).toBe(400)
    expect(await rawUpgrade(app.port, upgradeHeaders('/ws', { 'Sec-WebSocket-Protocol': 'a,,b' }))).toBe(400)
    expect(await rawUpgrade(app.port, upgradeHeaders('/ws'))).toBe(101)
    const value = await scrape(metrics)
    expect(value('ws_connection_failures_total', { server: 'default', reason: 'invalid_method' })).toBe(1)
    expect(value('ws_connection_failures_total', { server: 'default', reason: 'invalid_upgrade' })).toBe(1)
    expect(value('ws_connection_failures_total', { server: 'default', reason: 'invalid_header' })).toBe(1)
    expect(value('ws_connections_opened_total', { server: 'default' })).toBe(1)
  })

  it('counts an upgrade the app hands over while the server is closing as server_closing (503)', async () => {
    const metrics = freshMetrics()
    const server = http.createServer()
    const wss = new WebSocketServer({ noServer: true })
    server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, () => {}))
    const port = await listen(server)
    const handle = instrumentWebSocketServer(wss, { metrics })
    cleanups.push(() => stopAll(wss, server), () => handle.close())
    wss.close()
    expect(await rawUpgrade(port, upgradeHeaders('/'))).toBe(503)
    expect((await scrape(metrics))('ws_connection_failures_total', { server: 'default', reason: 'server_closing' })).toBe(1)
  })

  it('counts a synchronous verifyClient refusal as rejected', async () => {
    const metrics = freshMetrics()
    const app = await noServerApp({ verifyClient: (info: { origin: string }) => info.origin !== 'Bad' })
    const handle = instrumentWebSocketServer(app.wss, { metrics })
    cleanups.push(() => handle.close())
    expect(await rawUpgrade(app.port, upgradeHeaders('/ws', { Origin: 'Bad' }))).toBe(401)
    expect(await rawUpgrade(app.port, upgradeHeaders('/ws', { Origin: 'Good' }))).toBe(101)
    const value = await scrape(metrics)
    expect(value('ws_connection_failures_total', { server: 'default', reason: 'rejected' })).toBe(1)
    expect(value('ws_connections_opened_total', { server: 'default' })).toBe(1)
  })

  it('counts a client that resets its socket while an async verifyClient is pending as client_closed, once', async () => {
    const metrics = freshMetrics()
    let answer: ((ok: boolean) => void) | undefined
    const app = await noServerApp({ verifyClient: (_info: unknown, done: (ok: boolean) => void) => void (answer = done) })
    const handle = instrumentWebSocketServer(app.wss, { metrics })
    cleanups.push(() => handle.close())
    const net = await import('node:net')
    const socket = net.connect(app.port, '127.0.0.1')
    socket.on('error', () => {})
    socket.write(upgradeHeaders('/ws'))
    await until(() => answer !== undefined)
    socket.resetAndDestroy()
    let failures: number | undefined
    for (let i = 0; i < 200 && failures !== 1; i++) {
      failures = (await scrape(metrics))('ws_connection_failures_total', { server: 'default', reason: 'client_closed' })
      if (failures !== 1) await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(failures).toBe(1)
    answer?.(true)
    const value = await scrape(metrics)
    expect(value('ws_connection_failures_total', { server: 'default', reason: 'client_closed' })).toBe(1)
    expect(value('ws_connections_opened_total', { server: 'default' })).toBe(0)
  })

  it('shows every failure reason at 0 before the first failure, so the failure ratio has data', async () => {
    const metrics = freshMetrics()
    const app = await noServerApp()
    const handle = instrumentWebSocketServer(app.wss, { metrics, server: 'api' })
    cleanups.push(() => handle.close())
    const value = await scrape(metrics)
    for (const reason of Object.values(wsFailureReasons)) expect(value('ws_connection_failures_total', { server: 'api', reason })).toBe(0)
    expect(value('ws_connections_opened_total', { server: 'api' })).toBe(0)
  })
})
