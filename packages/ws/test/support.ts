import { once } from 'node:events'
import http from 'node:http'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { Registry } from 'prom-client'
import { WebSocket, WebSocketServer, type ServerOptions } from 'ws'
import { createMetrics, type Metrics } from '@intervai/metrics-core'
import { parseExposition as parseStrict } from '../../../test/support/exposition.js'

/** A fresh metrics object on its own registry. */
export function freshMetrics(): Metrics {
  return createMetrics({ registry: new Registry() })
}

/** Parses the exposition text (strictly: a malformed line throws) into `name{sorted labels}` -> value. */
export function parseExposition(body: string): Map<string, number> {
  return new Map(parseStrict(body).samples.map((sample) => [key(sample.name, sample.labels), sample.value]))
}

function key(name: string, labels: Record<string, string>): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
  return `${name}{${pairs.join(',')}}`
}

/** Scrapes `metrics` and returns a reader: `value(name, labels)`, undefined when the series is absent. */
export async function scrape(metrics: Metrics): Promise<(name: string, labels?: Record<string, string>) => number | undefined> {
  const { body } = await metrics.render()
  const samples = parseExposition(body)
  return (name, labels = {}) => samples.get(key(name, labels))
}

/** Listens on 127.0.0.1 at a free port. */
export async function listen(server: http.Server): Promise<number> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

/** A ws server in `{ server }` mode on a fresh http server. */
export async function startWss(options: Omit<ServerOptions, 'server' | 'port' | 'noServer'> = {}): Promise<{
  server: http.Server
  wss: WebSocketServer
  port: number
  url: string
  stop(): Promise<void>
}> {
  const server = http.createServer()
  const wss = new WebSocketServer({ ...options, server })
  const port = await listen(server)
  return { server, wss, port, url: `ws://127.0.0.1:${port}`, stop: () => stopAll(wss, server) }
}

/** Terminates every client, closes the ws server and then the http server. */
export async function stopAll(wss: WebSocketServer, server?: http.Server): Promise<void> {
  for (const client of wss.clients ?? []) client.terminate()
  await new Promise<void>((resolve) => wss.close(() => resolve()))
  if (server) {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

/** Opens a client and waits for it to be open. */
export async function connect(url: string, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, options)
  await once(ws, 'open')
  return ws
}

/** Opens a client and returns it with its raw TCP socket (from the public 'upgrade' response). */
export async function connectRaw(url: string): Promise<{ ws: WebSocket; socket: net.Socket }> {
  const ws = new WebSocket(url)
  let socket: net.Socket | undefined
  ws.once('upgrade', (response: http.IncomingMessage) => {
    socket = response.socket as net.Socket
  })
  await once(ws, 'open')
  return { ws, socket: socket as net.Socket }
}

/** Runs `task(i)` for i in [0, count) with at most `limit` at a time. */
export async function inBatches(count: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker))
}

/** Waits until `check()` is true (polling every 5 ms), failing after `ms`. */
export async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** The standard headers of a valid upgrade request, to be altered per test. */
export function upgradeHeaders(path = '/', overrides: Record<string, string | undefined> = {}, method = 'GET'): string {
  const headers: Record<string, string | undefined> = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...overrides,
  }
  const lines = Object.entries(headers)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}: ${value}`)
  return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`
}

/**
 * Sends a raw upgrade request and returns the HTTP status the server answered with, or null
 * when it closed the connection without answering. With `fin`, the request is sent with a FIN.
 */
export async function rawUpgrade(port: number, request: string, fin = false): Promise<number | null> {
  const socket = net.connect(port, '127.0.0.1')
  let received = ''
  socket.setEncoding('latin1')
  socket.on('data', (chunk: string) => {
    received += chunk
    // A 101 stays open; everything else is closed by ws.
    if (received.startsWith('HTTP/1.1 101')) socket.destroy()
  })
  socket.on('error', () => {})
  await once(socket, 'connect')
  if (fin) socket.end(request)
  else socket.write(request)
  await once(socket, 'close')
  const status = /^HTTP\/1\.1 (\d{3})/.exec(received)
  return status ? Number(status[1]) : null
}

/** The server's count of open TCP connections. */
export function openConnections(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))))
}
