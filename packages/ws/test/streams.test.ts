import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'
import { instrumentWebSocketServer, type WsStream } from '../src/index.js'
import { connect, freshMetrics, scrape, startWss, until } from './support.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function serverWithSockets(count: number, options: Parameters<typeof instrumentWebSocketServer>[1] = {}) {
  const metrics = freshMetrics()
  const { wss, url, stop } = await startWss()
  const handle = instrumentWebSocketServer(wss, { metrics, ...options })
  cleanups.push(stop, () => handle.close())
  const clients = await Promise.all(Array.from({ length: count }, () => connect(url)))
  await until(() => wss.clients.size === count)
  return { metrics, wss, handle, clients, sockets: [...wss.clients] as WebSocket[] }
}

describe('streams', () => {
  it('records 1,000 streams exactly once per outcome: ok, error, ended twice, and cancelled by a killed socket', async () => {
    const { metrics, handle, sockets } = await serverWithSockets(20)
    const streams: WsStream[] = []
    const killed = sockets.slice(0, 5)
    const results: boolean[] = []
    for (let i = 0; i < 1000; i++) {
      const socket = sockets[i % sockets.length] as WebSocket
      const stream = handle.startStream(i % 2 === 0 ? 'optimization' : 'report', socket)
      stream.chunk()
      streams.push(stream)
      if (killed.includes(socket)) continue // 250 streams, cancelled below
      if (i % 3 === 0) results.push(stream.end('error'))
      else results.push(stream.end('ok'))
      if (i % 7 === 0) results.push(stream.end('ok'), stream.end('error'))
    }
    const closed = killed.map((ws) => once(ws, 'close'))
    for (const ws of killed) ws.terminate()
    await Promise.all(closed)
    expect(streams.every((s) => s.ended)).toBe(true)
    const doubleEnded = results.filter((r) => !r).length
    const value = await scrape(metrics)
    const count = (stream: string, outcome: string) => value('ws_stream_duration_seconds_count', { stream, outcome }) ?? 0
    // Of the 750 ended by the app, i % 3 === 0 ended as error.
    const live = Array.from({ length: 1000 }, (_, i) => i).filter((i) => !killed.includes(sockets[i % sockets.length] as WebSocket))
    const errors = live.filter((i) => i % 3 === 0).length
    expect(doubleEnded).toBe(live.filter((i) => i % 7 === 0).length * 2)
    expect(count('optimization', 'error') + count('report', 'error')).toBe(errors)
    expect(count('optimization', 'ok') + count('report', 'ok')).toBe(750 - errors)
    expect(count('optimization', 'cancelled') + count('report', 'cancelled')).toBe(250)
    // Killed sockets are 0..4 of 20: i % 20 in {0, 2, 4} are 'optimization' streams.
    expect(count('optimization', 'cancelled')).toBe(150)
    expect(count('report', 'cancelled')).toBe(100)
  })

  it('ends a stream started on an already closed socket as cancelled', async () => {
    const { metrics, handle, sockets } = await serverWithSockets(1)
    const ws = sockets[0] as WebSocket
    ws.terminate()
    await once(ws, 'close')
    const stream = handle.startStream('late', ws)
    expect(stream.ended).toBe(true)
    expect(stream.end('ok')).toBe(false)
    expect((await scrape(metrics))('ws_stream_duration_seconds_count', { stream: 'late', outcome: 'cancelled' })).toBe(1)
  })

  it('keeps stream names bounded: names past maxStreamNames are recorded as _other', async () => {
    const { metrics, handle, sockets } = await serverWithSockets(1, { maxStreamNames: 3 })
    for (let i = 0; i < 10; i++) handle.startStream(`name-${i}`, sockets[0]).end('ok')
    const value = await scrape(metrics)
    expect(value('ws_stream_duration_seconds_count', { stream: 'name-2', outcome: 'ok' })).toBe(1)
    expect(value('ws_stream_duration_seconds_count', { stream: '_other', outcome: 'ok' })).toBe(7)
  })

  it('records an unknown outcome as error and counts the misuse, without throwing', async () => {
    const { metrics, handle, sockets } = await serverWithSockets(1)
    const stream = handle.startStream('s', sockets[0])
    expect(stream.end('finished' as never)).toBe(true)
    const value = await scrape(metrics)
    expect(value('ws_stream_duration_seconds_count', { stream: 's', outcome: 'error' })).toBe(1)
    expect(value('instrumentation_errors_total', { component: 'ws' })).toBe(1)
  })

  it('observes the stream duration in seconds into the stream buckets', async () => {
    const { metrics, handle, sockets } = await serverWithSockets(1, { streamBuckets: [0.01, 10] })
    const stream = handle.startStream('timed', sockets[0])
    await new Promise((resolve) => setTimeout(resolve, 30))
    stream.end('ok')
    const value = await scrape(metrics)
    expect(value('ws_stream_duration_seconds_bucket', { stream: 'timed', outcome: 'ok', le: '0.01' })).toBe(0)
    expect(value('ws_stream_duration_seconds_bucket', { stream: 'timed', outcome: 'ok', le: '10' })).toBe(1)
  })
})
