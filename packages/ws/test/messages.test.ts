import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'
import { instrumentWebSocketServer } from '../src/index.js'
import { connect, freshMetrics, scrape, startWss, until } from './support.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const SOCKETS = 50
const PER_SOCKET = 2000

// One message of each kind in turn: text (with multi-byte characters), a Buffer, a message sent
// in two fragments, and an ArrayBuffer. Returns the bytes the app on the other side receives.
function sendMixed(ws: WebSocket, i: number): number {
  switch (i % 4) {
    case 0: {
      const text = `message ${i} ${'é'.repeat(i % 13)}`
      ws.send(text)
      return Buffer.byteLength(text)
    }
    case 1: {
      const data = Buffer.alloc(1 + (i % 300), i % 256)
      ws.send(data)
      return data.length
    }
    case 2: {
      ws.send(Buffer.alloc(40, 1), { fin: false })
      ws.send(Buffer.alloc(i % 90, 2), { fin: true })
      return 40 + (i % 90)
    }
    default: {
      const data = new Uint8Array(7 + (i % 50)).buffer
      ws.send(data)
      return data.byteLength
    }
  }
}

describe('messages', () => {
  it('counts exactly 100,000 messages received over 50 sockets (text, binary, fragmented, permessage-deflate) and their bytes', async () => {
    const metrics = freshMetrics()
    const { wss, url, stop } = await startWss({ perMessageDeflate: { threshold: 0 } })
    const handle = instrumentWebSocketServer(wss, { metrics })
    cleanups.push(stop, () => handle.close())
    let received = 0
    wss.on('connection', (ws) => ws.on('message', () => received++))
    const clients = await Promise.all(
      Array.from({ length: SOCKETS }, (_, n) => connect(url, { perMessageDeflate: n % 5 === 0 })),
    )
    expect(clients.filter((ws) => ws.extensions.includes('permessage-deflate')).length).toBe(SOCKETS / 5)
    let bytes = 0
    for (const ws of clients) for (let i = 0; i < PER_SOCKET; i++) bytes += sendMixed(ws, i)
    await until(() => received === SOCKETS * PER_SOCKET, 30_000)
    const value = await scrape(metrics)
    expect(value('ws_messages_total', { server: 'default', direction: 'received' })).toBe(100_000)
    expect(value('ws_message_size_bytes_count', { server: 'default', direction: 'received' })).toBe(100_000)
    expect(value('ws_message_size_bytes_sum', { server: 'default', direction: 'received' })).toBe(bytes)
    expect(value('ws_messages_total', { server: 'default', direction: 'sent' })).toBe(0)
  })

  it('counts every message the server sends, whatever its type, fragments as one, and nothing sent after close', async () => {
    const metrics = freshMetrics()
    const { wss, url, stop } = await startWss({ perMessageDeflate: true })
    const handle = instrumentWebSocketServer(wss, { metrics })
    cleanups.push(stop, () => handle.close())
    const client = await connect(url, { perMessageDeflate: true })
    let got = 0
    client.on('message', () => got++)
    await until(() => wss.clients.size === 1)
    const ws = [...wss.clients][0] as WebSocket
    const callbacks: unknown[] = []
    const done = (error?: Error | null): void => void callbacks.push(error)
    const results = [
      ws.send('héllo', done),
      ws.send(Buffer.from('binary'), { binary: true }, done),
      ws.send(new Uint16Array(4)),
      ws.send(new ArrayBuffer(10), { compress: false }),
      ws.send(new Blob(['blob!'])),
      ws.send(12345),
      ws.send('frag-', { fin: false }),
      ws.send('ment-', { fin: false }),
      ws.send('ed', { fin: true }, done),
    ]
    expect(results).toEqual(Array(9).fill(undefined))
    await until(() => got === 7 && callbacks.length === 3)
    // ws calls a successful send's callback with null.
    expect(callbacks).toEqual([null, null, null])
    ws.close()
    await once(client, 'close')
    let afterClose: unknown = 'not called'
    ws.send('too late', (error) => (afterClose = error))
    await until(() => afterClose !== 'not called')
    expect(afterClose).toBeInstanceOf(Error)
    const value = await scrape(metrics)
    expect(value('ws_messages_total', { server: 'default', direction: 'sent' })).toBe(7)
    // 6 + 6 + 8 + 10 + 5 + 5 + (5 + 5 + 2)
    expect(value('ws_message_size_bytes_sum', { server: 'default', direction: 'sent' })).toBe(52)
  })

  it('leaves send arguments, callback and binary flag exactly as the app passed them', async () => {
    const metrics = freshMetrics()
    const { wss, url, stop } = await startWss()
    const handle = instrumentWebSocketServer(wss, { metrics })
    cleanups.push(stop, () => handle.close())
    const client = await connect(url)
    const kinds: boolean[] = []
    client.on('message', (_data, isBinary) => kinds.push(isBinary))
    await until(() => wss.clients.size === 1)
    const ws = [...wss.clients][0] as WebSocket
    let calls = 0
    ws.send(Buffer.from('as text'), { binary: false }, () => calls++)
    ws.send('as binary', { binary: true })
    await until(() => kinds.length === 2 && calls === 1)
    expect(kinds).toEqual([false, true])
    expect((await scrape(metrics))('ws_messages_total', { server: 'default', direction: 'sent' })).toBe(2)
  })
})
