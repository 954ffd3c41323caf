import { Agent, createServer, request as httpRequest, type RequestListener, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { Registry } from 'prom-client'
import { httpLabels } from '@intervai/metrics-catalog'
import { createMetrics, type Metrics } from '@intervai/metrics-core'
import { parseExposition, type Parsed } from '../../../test/support/exposition.js'

export { parseExposition, sumOf, valueOf, type Parsed, type Sample } from '../../../test/support/exposition.js'

/** The `route` of requests no route matched. */
export const UNMATCHED_ROUTE = httpLabels.unmatchedRoute

/** Metric names as the tests read them (no prefix). */
export const DURATION = 'http_server_request_duration_seconds'
export const COUNT = `${DURATION}_count`
export const ACTIVE = 'http_server_active_requests'
export const ERRORS = 'http_server_errors_total'
export const INSTRUMENTATION_ERRORS = 'instrumentation_errors_total'

/** A fresh metrics object on its own registry. */
export function freshMetrics(): Metrics {
  return createMetrics({ registry: new Registry() })
}

/** Renders and parses the metrics (Prometheus text). */
export async function scrape(metrics: Metrics, accept?: string): Promise<Parsed> {
  return parseExposition((await metrics.render(accept)).body)
}

/** One request the load client sends, with the route template it expects to be recorded under. */
export interface Planned {
  method: string
  path: string
  route: string
}

/** What the client saw: a count per `method route status`. */
export type Tally = Map<string, number>

/** Sends every planned request over keep-alive sockets, at most `concurrency` at a time, and tallies the statuses received. */
export async function sendAll(base: string, plan: Planned[], concurrency: number): Promise<Tally> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency })
  const tally: Tally = new Map()
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < plan.length) {
      const item = plan[next++] as Planned
      const status = await send(agent, base, item.method, item.path)
      const key = `${item.method} ${item.route} ${status}`
      tally.set(key, (tally.get(key) ?? 0) + 1)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  agent.destroy()
  return tally
}

function send(agent: Agent, base: string, method: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, agent }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** The histogram counts per `method route status` from a scrape. */
export function countsOf(parsed: Parsed): Tally {
  const counts: Tally = new Map()
  for (const s of parsed.samples) {
    if (s.name !== COUNT) continue
    counts.set(`${s.labels.method} ${s.labels.route} ${s.labels.status_code}`, s.value)
  }
  return counts
}

/** Sorted entries, for comparing two tallies exactly. */
export function sorted(tally: Tally): [string, number][] {
  return [...tally.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

/**
 * Sends a raw GET on its own socket and destroys the socket once `entered` resolves (the
 * handler is running), so the request is aborted mid-handler.
 */
export function abortMidHandler(port: number, path: string, entered: Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
    })
    socket.on('error', reject)
    socket.on('close', () => resolve())
    entered.then(() => socket.destroy(), reject)
  })
}

/** Polls `check` every 10 ms until it returns true, for at most `ms` (then throws). */
export async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Resolvers keyed by id: the handler calls `arrive(id)`, the client awaits `waitFor(id)`. */
export class Rendezvous {
  private readonly waiting = new Map<string, () => void>()
  private readonly promises = new Map<string, Promise<void>>()
  waitFor(id: string): Promise<void> {
    let promise = this.promises.get(id)
    if (!promise) {
      promise = new Promise<void>((resolve) => this.waiting.set(id, resolve))
      this.promises.set(id, promise)
    }
    return promise
  }
  arrive(id: string): void {
    void this.waitFor(id)
    this.waiting.get(id)?.()
  }
}

const servers: Server[] = []

/** Serves `app` (an Express app, or any request listener) on a free port of 127.0.0.1 until `closeServers()`. */
export async function listenOn(app: RequestListener): Promise<{ base: string; port: number }> {
  const server = createServer(app)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push(server)
  const port = (server.address() as AddressInfo).port
  return { base: `http://127.0.0.1:${port}`, port }
}

/** Closes every server `listenOn` started, and their connections (for `afterEach`). */
export async function closeServers(): Promise<void> {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        }),
    ),
  )
}
