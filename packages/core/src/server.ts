import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { challengeOf, checkAuth, isAuthorized, type MetricsAuth } from './auth.js'
import { optionError } from '@intervai/metrics-catalog'
import { check, checkObject, checkOptions } from './options.js'

const PKG = '@intervai/metrics-core'

/** A rendered scrape. */
export interface Exposition {
  contentType: string
  body: string
}

/** Renders a scrape for an `Accept` header. */
export type RenderFn = (accept: string | undefined) => Promise<Exposition>

/** Options of a node:http handler for `/metrics`. */
export interface HandlerOptions {
  /** Require these credentials (bearer or basic), compared in constant time. @default none */
  auth?: MetricsAuth
}

/** Options of the standalone metrics server. */
export interface ServeOptions extends HandlerOptions {
  /** TCP port; 0 picks a free one. @default 9464 */
  port?: number
  /** Interface to listen on. Keep the loopback default unless the port is firewalled. @default '127.0.0.1' */
  host?: string
  /** Path that answers with the metrics; every other path is 404 unless `routes` names it. @default '/metrics' */
  path?: string
  /**
   * More paths this server answers, behind the same `auth` (the status page's `statusRoutes()`,
   * for instance): exact path to node:http handler.
   * @default {}
   */
  routes?: Readonly<Record<string, (req: IncomingMessage, res: ServerResponse) => void>>
}

/** A running standalone metrics server. */
export interface MetricsServer {
  readonly server: Server
  readonly port: number
  /** e.g. `http://127.0.0.1:9464/metrics` */
  readonly url: string
  close(): Promise<void>
}

/**
 * A node:http request handler that answers GET and HEAD with the metrics (405 for other
 * methods, 401 without the configured credentials, 500 if rendering fails).
 */
export function metricsHandler(render: RenderFn, options: HandlerOptions = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const auth = checkAuth(PKG, 'auth', options.auth)
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end()
      return
    }
    if (auth && !isAuthorized(req.headers.authorization, auth)) {
      res.writeHead(401, { 'www-authenticate': challengeOf(auth) }).end()
      return
    }
    render(req.headers.accept).then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) })
        res.end(req.method === 'HEAD' ? undefined : body)
      },
      () => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
        res.end('metrics rendering failed\n')
      },
    )
  }
}

/** Starts a standalone HTTP server that serves only the metrics. */
export async function serveMetrics(render: RenderFn, options: ServeOptions = {}): Promise<MetricsServer> {
  const { port, host, path, auth, routes } = checkOptions(PKG, options, {
    port: check.integer(9464, 0, 65535),
    host: check.string('127.0.0.1'),
    path: check.string('/metrics'),
    auth: check.any(),
    routes: check.any(),
  })
  const credentials = checkAuth(PKG, 'auth', auth)
  if (!path.startsWith('/')) throw optionError(PKG, 'path', 'a path starting with "/"', path)
  const handlers = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>([[path, metricsHandler(render, {})]])
  for (const [route, handler] of Object.entries(checkObject<Record<string, unknown>>(PKG, 'routes', routes))) {
    if (!route.startsWith('/') || typeof handler !== 'function') throw optionError(PKG, `routes[${JSON.stringify(route)}]`, 'a node:http handler under a path starting with "/"', handler)
    if (route === path) throw optionError(PKG, `routes[${JSON.stringify(route)}]`, `a path other than the metrics path`, route)
    handlers.set(route, handler as (req: IncomingMessage, res: ServerResponse) => void)
  }
  const server = createServer((req, res) => {
    const url = req.url ?? '/'
    const query = url.indexOf('?')
    const handle = handlers.get(query === -1 ? url : url.slice(0, query))
    if (handle === undefined) {
      res.writeHead(404).end()
      return
    }
    if (credentials && !isAuthorized(req.headers.authorization, credentials)) {
      res.writeHead(401, { 'www-authenticate': challengeOf(credentials) }).end()
      return
    }
    handle(req, res)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const bound = (server.address() as AddressInfo).port
  const shownHost = host.includes(':') ? `[${host}]` : host
  return {
    server,
    port: bound,
    url: `http://${shownHost}:${bound}${path}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}
