import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { instrumentWebSocketServer } from '../src/index.js'
import { connect, connectRaw, freshMetrics, inBatches, listen, scrape, startWss, stopAll, until } from './support.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

describe('connections', () => {
  it('keeps the active gauge equal to wss.clients.size through 2,000 connections closed four ways, and observes every duration', async () => {
    const metrics = freshMetrics()
    const { wss, url, stop } = await startWss()
    const handle = instrumentWebSocketServer(wss, { metrics })
    cleanups.push(stop, () => handle.close())
    const serverClosed: Array<Promise<unknown>> = []
    wss.on('connection', (ws) => {
      serverClosed.push(once(ws, 'close'))
      // The fourth way: the server closes the connection itself.
      ws.on('message', (data) => {
        if (data.toString() === 'close me') ws.close(1001)
      })
    })
    const ways = ['clean', 'terminate', 'reset', 'server'] as const
    const mismatches: string[] = []
    let scrapes = 0
    const check = async (): Promise<void> => {
      const value = await scrape(metrics)
      scrapes++
      const active = value('ws_connections_active', { server: 'default' })
      if (active !== wss.clients.size) mismatches.push(`${active} != ${wss.clients.size}`)
    }
    for (let wave = 0; wave < 20; wave++) {
      const way = ways[wave % 4] as (typeof ways)[number]
      const clients = await Promise.all(Array.from({ length: 100 }, () => connectRaw(url)))
      await check()
      const closed = clients.map(({ ws }) => once(ws, 'close'))
      for (const { ws, socket } of clients) {
        if (way === 'clean') ws.close(1000)
        else if (way === 'terminate') ws.terminate()
        else if (way === 'reset') socket.resetAndDestroy()
        else ws.send('close me')
      }
      await check()
      await Promise.all(closed)
      await until(() => wss.clients.size === 0)
      await check()
    }
    await Promise.all(serverClosed)
    const value = await scrape(metrics)
    expect(mismatches).toEqual([])
    expect(scrapes).toBe(60)
    expect(value('ws_connections_active', { server: 'default' })).toBe(0)
    expect(value('ws_connections_opened_total', { server: 'default' })).toBe(2000)
    expect(value('ws_connection_duration_seconds_count', { server: 'default', close_code: '1000' })).toBe(500)
    expect(value('ws_connection_duration_seconds_count', { server: 'default', close_code: '1001' })).toBe(500)
    expect(value('ws_connection_duration_seconds_count', { server: 'default', close_code: '1006' })).toBe(1000)
    expect(value('ws_connection_duration_seconds_count', { server: 'default', close_code: 'other' })).toBe(0)
  })

  it('counts connections of a server made with { port }', async () => {
    const metrics = freshMetrics()
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    await once(wss, 'listening')
    const handle = instrumentWebSocketServer(wss, { metrics, server: 'port' })
    cleanups.push(() => stopAll(wss), () => handle.close())
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`
    const clients = await Promise.all([connect(url), connect(url), connect(url)])
    await until(() => wss.clients.size === 3)
    let value = await scrape(metrics)
    expect(value('ws_connections_active', { server: 'port' })).toBe(3)
    expect(value('ws_connections_opened_total', { server: 'port' })).toBe(3)
    await Promise.all(clients.map((ws) => (ws.close(), once(ws, 'close'))))
    await until(() => wss.clients.size === 0)
    value = await scrape(metrics)
    expect(value('ws_connections_active', { server: 'port' })).toBe(0)
    expect(value('ws_connection_duration_seconds_count', { server: 'port', close_code: '1005' })).toBe(3)
  })

  it('counts connections of a { noServer: true } server whose app calls handleUpgrade and never emits connection', async () => {
    const metrics = freshMetrics()
    const server = http.createServer()
    const wss = new WebSocketServer({ noServer: true })
    const accepted: WebSocket[] = []
    server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => accepted.push(ws)))
    const port = await listen(server)
    const handle = instrumentWebSocketServer(wss, { metrics })
    cleanups.push(() => stopAll(wss, server), () => handle.close())
    const client = await connect(`ws://127.0.0.1:${port}`)
    client.send('hello')
    await until(() => accepted.length === 1)
    await once(accepted[0] as WebSocket, 'message')
    let value = await scrape(metrics)
    expect(value('ws_connections_active', { server: 'default' })).toBe(1)
    expect(value('ws_connections_opened_total', { server: 'default' })).toBe(1)
    expect(value('ws_messages_total', { server: 'default', direction: 'received' })).toBe(1)
    client.close(1000)
    await once(accepted[0] as WebSocket, 'close')
    value = await scrape(metrics)
    expect(value('ws_connections_active', { server: 'default' })).toBe(0)
    expect(value('ws_connection_duration_seconds_count', { server: 'default', close_code: '1000' })).toBe(1)
  })

  it('samples the active gauge from its own count when clientTracking is off', async () => {
    const metrics = freshMetrics()
    const { wss, url, stop } = await startWss({ clientTracking: false })
    const handle = instrumentWebSocketServer(wss, { metrics })
    const serverSide: WebSocket[] = []
    wss.on('connection', (ws) => serverSide.push(ws))
    cleanups.push(async () => {
      for (const ws of serverSide) ws.terminate()
      await stop()
    }, () => handle.close())
    const clients = await Promise.all([connect(url), connect(url)])
    await until(() => serverSide.length === 2)
    expect((await scrape(metrics))('ws_connections_active', { server: 'default' })).toBe(2)
    clients[0]?.close()
    await once(serverSide[0] as WebSocket, 'close')
    expect((await scrape(metrics))('ws_connections_active', { server: 'default' })).toBe(1)
  })

  it('sums two servers that share one server label, and drops the series when both are closed', async () => {
    const metrics = freshMetrics()
    const a = await startWss()
    const b = await startWss()
    const ha = instrumentWebSocketServer(a.wss, { metrics, server: 'shared' })
    const hb = instrumentWebSocketServer(b.wss, { metrics, server: 'shared' })
    cleanups.push(a.stop, b.stop)
    await Promise.all([connect(a.url), connect(b.url), connect(b.url)])
    await until(() => a.wss.clients.size === 1 && b.wss.clients.size === 2)
    expect((await scrape(metrics))('ws_connections_active', { server: 'shared' })).toBe(3)
    ha.close()
    expect((await scrape(metrics))('ws_connections_active', { server: 'shared' })).toBe(2)
    hb.close()
    expect((await scrape(metrics))('ws_connections_active', { server: 'shared' })).toBeUndefined()
  })
})
