import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import websocket from '@fastify/websocket'
import Fastify from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { fastifyWebSocketMetrics } from '../src/index.js'
import { connect, freshMetrics, rawUpgrade, scrape, until, upgradeHeaders } from './support.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

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
})
