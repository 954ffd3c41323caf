import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocketServer, type WebSocket } from 'ws'
import { instrumentWebSocketServer } from '../src/index.js'
import { connect, freshMetrics, rawUpgrade, scrape, startWss, until, upgradeHeaders } from './support.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const EVENTS = ['message', 'close', 'error', 'pong', 'ping'] as const

function listenerCounts(ws: WebSocket): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const event of [...EVENTS, 'errorMonitor']) counts[event] = event === 'errorMonitor' ? ws.listenerCount(Symbol.for('events.errorMonitor')) : ws.listenerCount(event)
  return counts
}

describe('instrument, close, instrument again', () => {
  it('counts once after instrument -> close -> instrument, and close leaves no listener or wrapper behind', async () => {
    const metrics = freshMetrics()
    const { wss, url, port, stop } = await startWss({ verifyClient: () => true })
    cleanups.push(stop)
    const verify = wss.options.verifyClient
    const serverListeners = wss.eventNames().map((name) => [name, wss.listenerCount(name)])
    const first = instrumentWebSocketServer(wss, { metrics })
    expect(wss.listenerCount('wsClientError')).toBe(0)
    const early = await connect(url)
    await until(() => wss.clients.size === 1)
    const earlyServer = [...wss.clients][0] as WebSocket
    first.close()
    expect(Object.hasOwn(wss, 'handleUpgrade')).toBe(false)
    expect(Object.hasOwn(wss, 'shouldHandle')).toBe(false)
    expect(Object.hasOwn(wss, 'close')).toBe(false)
    expect(wss.options.verifyClient).toBe(verify)
    expect(Object.hasOwn(earlyServer, 'send')).toBe(false)
    expect(earlyServer.listenerCount('message')).toBe(0)
    expect(earlyServer.listenerCount('close')).toBe(1) // ws's own, removing it from wss.clients

    const second = instrumentWebSocketServer(wss, { metrics })
    cleanups.push(() => second.close())
    const late = await connect(url)
    await until(() => wss.clients.size === 2)
    const lateServer = [...wss.clients][1] as WebSocket
    early.send('a')
    late.send('b')
    earlyServer.send('c')
    await until(() => earlyServer.listenerCount('message') === 1)
    await Promise.all([once(earlyServer, 'message'), once(lateServer, 'message')])
    expect(await rawUpgrade(port, upgradeHeaders('/', { 'Sec-WebSocket-Version': '1' }))).toBe(400)
    const value = await scrape(metrics)
    // Opened counts only the connection made while instrumented the second time.
    expect(value('ws_connections_opened_total', { server: 'default' })).toBe(2)
    expect(value('ws_connections_active', { server: 'default' })).toBe(2)
    expect(value('ws_messages_total', { server: 'default', direction: 'received' })).toBe(2)
    expect(value('ws_messages_total', { server: 'default', direction: 'sent' })).toBe(1)
    expect(value('ws_connection_failures_total', { server: 'default', reason: 'invalid_version' })).toBe(1)
    second.close()
    expect(listenerCounts(lateServer)).toEqual(listenerCounts(earlyServer))
    expect(wss.eventNames().map((name) => [name, wss.listenerCount(name)])).toEqual(serverListeners)
  })

  it('does not count twice when the same server is instrumented twice, and stays instrumented until both handles close', async () => {
    const metrics = freshMetrics()
    const { wss, url, stop } = await startWss()
    cleanups.push(stop)
    const a = instrumentWebSocketServer(wss, { metrics })
    const b = instrumentWebSocketServer(wss, { metrics })
    const client = await connect(url)
    await until(() => wss.clients.size === 1)
    const server = [...wss.clients][0] as WebSocket
    client.send('x')
    await once(server, 'message')
    a.close()
    a.close()
    client.send('y')
    await once(server, 'message')
    let value = await scrape(metrics)
    expect(value('ws_connections_opened_total', { server: 'default' })).toBe(1)
    expect(value('ws_messages_total', { server: 'default', direction: 'received' })).toBe(2)
    b.close()
    client.send('z')
    await once(server, 'message')
    value = await scrape(metrics)
    expect(value('ws_messages_total', { server: 'default', direction: 'received' })).toBe(2)
    expect(value('ws_connections_active', { server: 'default' })).toBeUndefined()
  })

  it('shares one instrumentation when instrumented again, warns when the options differ, and is fully undone once both handles close', async () => {
    const metrics = freshMetrics()
    const { wss, url, stop } = await startWss()
    cleanups.push(stop)
    const serverListeners = wss.eventNames().map((name) => [name, wss.listenerCount(name)])
    const warnings: Array<{ code?: string }> = []
    const onWarning = (warning: Error & { code?: string }): void => void warnings.push(warning)
    process.on('warning', onWarning)
    cleanups.push(() => void process.off('warning', onWarning))
    const a = instrumentWebSocketServer(wss, { metrics, server: 'a' })
    const b = instrumentWebSocketServer(wss, { metrics, server: 'b', maxStreamNames: 5 })
    const c = instrumentWebSocketServer(wss, { metrics, server: 'a' })
    const client = await connect(url)
    await until(() => wss.clients.size === 1)
    const server = [...wss.clients][0] as WebSocket
    client.send('x')
    await once(server, 'message')
    server.send('y')
    const stream = b.startStream('job', server)
    stream.end('ok')
    // Only b's options differ from the first; c's are the same.
    expect(warnings.map((warning) => warning.code)).toEqual(['INTERVAI_METRICS_INSTRUMENTED_TWICE'])
    let value = await scrape(metrics)
    expect(value('ws_connections_opened_total', { server: 'a' })).toBe(1)
    expect(value('ws_connections_opened_total', { server: 'b' })).toBeUndefined()
    expect(value('ws_messages_total', { server: 'a', direction: 'received' })).toBe(1)
    expect(value('ws_messages_total', { server: 'a', direction: 'sent' })).toBe(1)
    expect(value('ws_stream_duration_seconds_count', { stream: 'job', outcome: 'ok' })).toBe(1)
    a.close()
    b.close()
    expect(Object.hasOwn(wss, 'handleUpgrade')).toBe(true)
    c.close()
    for (const key of ['handleUpgrade', 'shouldHandle', 'close']) expect(Object.hasOwn(wss, key)).toBe(false)
    for (const key of ['send', 'close']) expect(Object.hasOwn(server, key)).toBe(false)
    expect(listenerCounts(server)).toEqual({ message: 0, close: 1, error: 0, pong: 0, ping: 0, errorMonitor: 0 })
    expect(wss.eventNames().map((name) => [name, wss.listenerCount(name)])).toEqual(serverListeners)
    client.send('z')
    await once(server, 'message')
    value = await scrape(metrics)
    expect(value('ws_messages_total', { server: 'a', direction: 'received' })).toBe(1)
    expect(value('ws_connections_active', { server: 'a' })).toBeUndefined()
  })

  it('rejects unknown option keys and a prefix that is not the prefix of metrics', () => {
    const wss = new WebSocketServer({ noServer: true })
    expect(() => instrumentWebSocketServer(wss, { metrics: freshMetrics(), servr: 'x' } as never)).toThrow(/option "servr"/)
    expect(() => instrumentWebSocketServer(wss, { metrics: freshMetrics(), prefix: 'other_' })).toThrow(/option "prefix"/)
    expect(Object.hasOwn(wss, 'handleUpgrade')).toBe(false)
  })

  it('throws a TypeError naming the option and the value for bad options', () => {
    const wss = new WebSocketServer({ noServer: true })
    expect(() => instrumentWebSocketServer(wss, { server: '' })).toThrow(/option "server" must be a non-empty string.* \(got ""\)/)
    expect(() => instrumentWebSocketServer(wss, { streamBuckets: [2, 1] })).toThrow(/option "streamBuckets"/)
    expect(() => instrumentWebSocketServer(wss, { maxStreamNames: 1.5 })).toThrow(/option "maxStreamNames" must be a whole number from 1 to 10000 \(got 1.5\)/)
    expect(() => instrumentWebSocketServer(wss, { metrics: {} as never })).toThrow(TypeError)
    expect(() => instrumentWebSocketServer({} as never)).toThrow(/option "wss" must be a ws WebSocketServer/)
    expect(Object.hasOwn(wss, 'handleUpgrade')).toBe(false)
  })
})
