import { once } from 'node:events'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import websocket from '@fastify/websocket'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { wsFailureReasons } from '@intervai/metrics-catalog'
import { fastifyWebSocketMetrics } from '../src/fastify-entry.js'
import { connect, freshMetrics, rawUpgrade, scrape, until, upgradeHeaders } from './support.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

// Polls `read` until it gives `expected` (the server sees a socket close after the client does).
async function eventually(read: () => Promise<number | undefined>, expected: number): Promise<void> {
  let seen = await read()
  for (let i = 0; i < 200 && seen !== expected; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
    seen = await read()
  }
  expect(seen).toBe(expected)
}

describe('fastifyWebSocketMetrics', () => {
  it('records connections, messages, failures, streams and durations of a @fastify/websocket route', async () => {
    const metrics = freshMetrics()
    const app = Fastify()
    await app.register(websocket)
    await app.register(fastifyWebSocketMetrics, { metrics, server: 'api' })
    app.get('/ws', { websocket: true }, (socket) => {
      socket.on('message', (data) => {
        const stream = app.wsMetrics.startStream('echo', socket)
        socket.send(`echo ${data.toString()}`)
        stream.chunk()
        stream.end('ok')
      })
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    cleanups.push(() => app.close())
    const port = (app.server.address() as AddressInfo).port
    const client = await connect(`ws://127.0.0.1:${port}/ws`)
    const replies: string[] = []
    client.on('message', (data) => replies.push(data.toString()))
    client.send('one')
    client.send('two')
    await until(() => replies.length === 2)
    expect(await rawUpgrade(port, upgradeHeaders('/ws', { 'Sec-WebSocket-Version': '99' }))).toBe(400)
    let value = await scrape(metrics)
    expect(value('ws_connections_active', { server: 'api' })).toBe(1)
    expect(value('ws_connections_opened_total', { server: 'api' })).toBe(1)
    expect(value('ws_messages_total', { server: 'api', direction: 'received' })).toBe(2)
    expect(value('ws_messages_total', { server: 'api', direction: 'sent' })).toBe(2)
    expect(value('ws_message_size_bytes_sum', { server: 'api', direction: 'sent' })).toBe(16)
    expect(value('ws_connection_failures_total', { server: 'api', reason: 'invalid_version' })).toBe(1)
    expect(value('ws_stream_duration_seconds_count', { stream: 'echo', outcome: 'ok' })).toBe(2)
    const closed = once(client, 'close')
    await app.close()
    await closed
    await until(() => app.websocketServer.clients.size === 0)
    cleanups.pop()
    value = await scrape(metrics)
    // @fastify/websocket closes its clients without a status code on app.close().
    expect(value('ws_connection_duration_seconds_count', { server: 'api', close_code: '1005' })).toBe(1)
    expect(value('ws_connections_active', { server: 'api' })).toBeUndefined()
    expect(Object.hasOwn(app.websocketServer, 'handleUpgrade')).toBe(false)
  })

  it('counts upgrades no WebSocket route took: no route and a plain route as path_mismatch, a WebSocket route\'s hook refusing one as rejected', async () => {
    const metrics = freshMetrics()
    const app = Fastify()
    app.get('/plain', async () => 'plain')
    await app.register(websocket)
    await app.register(fastifyWebSocketMetrics, { metrics, server: 'api' })
    app.get('/ws', { websocket: true, preValidation: async (request, reply) => void (request.headers['x-deny'] && (await reply.code(401).send())) }, (socket) => {
      socket.send('hi')
    })
    // The shape of an app that requires a user on every route of a plugin, WebSocket routes too.
    await app.register(async (scope) => {
      scope.addHook('onRequest', async (request, reply) => {
        if (request.headers['x-user'] === undefined) return reply.code(401).send()
      })
      scope.get('/private/ws', { websocket: true }, (socket) => socket.close())
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    cleanups.push(() => app.close())
    const port = (app.server.address() as AddressInfo).port
    expect(await rawUpgrade(port, upgradeHeaders('/private/ws'))).toBe(401)
    expect(await rawUpgrade(port, upgradeHeaders('/nowhere'))).toBe(404)
    expect(await rawUpgrade(port, upgradeHeaders('/nowhere/else'))).toBe(404)
    expect(await rawUpgrade(port, upgradeHeaders('/plain'))).toBe(200)
    expect(await rawUpgrade(port, upgradeHeaders('/ws', { 'X-Deny': '1' }))).toBe(401)
    expect(await rawUpgrade(port, upgradeHeaders('/ws'))).toBe(101)
    // Not WebSocket handshakes: an HTTP/2 upgrade offer (Java's HttpClient sends one on http://), plain requests.
    expect(await rawUpgrade(port, upgradeHeaders('/plain', { Upgrade: 'h2c', Connection: 'Upgrade, HTTP2-Settings', 'HTTP2-Settings': 'AAMAAABkAAQCAAAAAAIAAAAA' }))).toBe(200)
    expect((await app.inject({ url: '/plain' })).statusCode).toBe(200)
    expect((await app.inject({ url: '/nowhere' })).statusCode).toBe(404)
    const failures = (reason: string) => async () => (await scrape(metrics))('ws_connection_failures_total', { server: 'api', reason })
    await eventually(failures('path_mismatch'), 3)
    await eventually(failures('rejected'), 2)
    const value = await scrape(metrics)
    expect(value('ws_connections_opened_total', { server: 'api' })).toBe(1)
    const total = Object.values(wsFailureReasons).reduce((sum, reason) => sum + (value('ws_connection_failures_total', { server: 'api', reason }) ?? 0), 0)
    expect(total).toBe(5)
  })

  it('counts a client that hangs up while a hook holds its upgrade as client_closed, once, reset or FIN', async () => {
    const metrics = freshMetrics()
    const app = Fastify()
    await app.register(websocket)
    await app.register(fastifyWebSocketMetrics, { metrics })
    const held: Array<() => void> = []
    app.get('/ws', { websocket: true, onRequest: (_request, _reply, next) => void held.push(next) }, (socket) => socket.close())
    await app.listen({ port: 0, host: '127.0.0.1' })
    cleanups.push(() => app.close(), () => held.forEach((next) => next()))
    let ended = 0
    app.server.on('upgrade', (_request, socket) => socket.once('end', () => ended++))
    const port = (app.server.address() as AddressInfo).port
    const clientClosed = async () => (await scrape(metrics))('ws_connection_failures_total', { server: 'default', reason: 'client_closed' })
    const hangUp = async (how: (socket: net.Socket) => void): Promise<void> => {
      const socket = net.connect(port, '127.0.0.1')
      socket.on('error', () => {})
      socket.write(upgradeHeaders('/ws'))
      const before = held.length
      await until(() => held.length === before + 1)
      how(socket)
    }
    // A reset closes the server's socket at once: counted while the hook still holds the request.
    await hangUp((socket) => socket.resetAndDestroy())
    await eventually(clientClosed, 1)
    held.shift()?.()
    // A FIN leaves the server's socket half open until the hook lets go; ws then finds it closed.
    await hangUp((socket) => socket.end())
    await until(() => ended === 1)
    held.shift()?.()
    await eventually(clientClosed, 2)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const value = await scrape(metrics)
    expect(value('ws_connection_failures_total', { server: 'default', reason: 'client_closed' })).toBe(2)
    expect(value('ws_connections_opened_total', { server: 'default' })).toBe(0)
  })

  it('counts once when registered twice, and accepts Fastify register options', async () => {
    const metrics = freshMetrics()
    const app = Fastify()
    await app.register(websocket)
    await app.register(fastifyWebSocketMetrics, { metrics, server: 'api', logLevel: 'warn' } as never)
    await app.register(fastifyWebSocketMetrics, { metrics, server: 'api' })
    app.get('/ws', { websocket: true }, (socket) => void socket.on('message', (data) => socket.send(data)))
    await app.listen({ port: 0, host: '127.0.0.1' })
    cleanups.push(() => app.close())
    const port = (app.server.address() as AddressInfo).port
    const client = await connect(`ws://127.0.0.1:${port}/ws`)
    client.send('one')
    await once(client, 'message')
    expect(await rawUpgrade(port, upgradeHeaders('/nowhere'))).toBe(404)
    await eventually(async () => (await scrape(metrics))('ws_connection_failures_total', { server: 'api', reason: 'path_mismatch' }), 1)
    const value = await scrape(metrics)
    expect(value('ws_connections_opened_total', { server: 'api' })).toBe(1)
    expect(value('ws_messages_total', { server: 'api', direction: 'received' })).toBe(1)
    expect(value('ws_messages_total', { server: 'api', direction: 'sent' })).toBe(1)
  })

  it('fails to register, naming the missing dependency, without @fastify/websocket', async () => {
    const app = Fastify()
    cleanups.push(() => app.close())
    await expect(app.register(fastifyWebSocketMetrics, { metrics: freshMetrics() }).ready()).rejects.toThrow(/@fastify\/websocket/)
  })

  it('rejects a bad option at registration with a TypeError naming it', async () => {
    const app = Fastify()
    cleanups.push(() => app.close())
    await app.register(websocket)
    await expect(app.register(fastifyWebSocketMetrics, { metrics: freshMetrics(), server: 42 as never }).ready()).rejects.toThrow(/option "server"/)
  })

  it('rejects an unknown option at registration, naming it', async () => {
    const app = Fastify()
    cleanups.push(() => app.close())
    await app.register(websocket)
    await expect(app.register(fastifyWebSocketMetrics, { metrics: freshMetrics(), sever: 'api' } as never).ready()).rejects.toThrow(/option "sever"/)
  })
})
