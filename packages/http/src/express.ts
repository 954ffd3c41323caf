import type { IncomingMessage, ServerResponse } from 'node:http'
import { finalStatus, onRequestDone } from './finish.js'
import { COMPONENT, UNMATCHED_ROUTE, methodIndex } from './labels.js'
import { httpMetrics, type HttpMetrics } from './metrics.js'
import { resolveOptions, type HttpMetricsOptions } from './options.js'

/** Options of `expressHttpMetrics`. */
export interface ExpressHttpMetricsOptions extends HttpMetricsOptions {}

/** The parts of an Express request the middleware reads (Express 4 and 5). */
export interface ExpressLikeRequest extends IncomingMessage {
  /** The matched route, set by Express's router. */
  route?: { path?: unknown }
  /** The mount path of the router that matched. */
  baseUrl?: string
}

/** Express's `next`. */
export type NextFunction = (error?: unknown) => void

/** The middleware `expressHttpMetrics` returns; `errorHandler` goes after your routes to count handler errors. */
export interface ExpressHttpMetricsMiddleware {
  (req: ExpressLikeRequest, res: ServerResponse, next: NextFunction): void
  /** Error-handling middleware (`app.use(m.errorHandler)` after the routes): counts the error, then passes it on. */
  errorHandler: (error: unknown, req: ExpressLikeRequest, res: ServerResponse, next: NextFunction) => void
}

/**
 * Express middleware recording the same metrics as the Fastify plugin. Mount it first
 * (`app.use(expressHttpMetrics({ metrics }))`); the route is the matched route's path under
 * its mount path, and `__unmatched` for requests no route matched.
 */
export function expressHttpMetrics(options: ExpressHttpMetricsOptions = {}): ExpressHttpMetricsMiddleware {
  const resolved = resolveOptions(options)
  const http = httpMetrics(resolved.metrics, resolved.buckets)
  const expose = resolved.expose
  const serveMetrics = expose ? resolved.metrics.handler({ auth: expose.auth }) : undefined

  const middleware = ((req, res, next) => {
    if (serveMetrics && expose && pathOf(req.url) === expose.path && (req.method === 'GET' || req.method === 'HEAD')) {
      serveMetrics(req, res)
      return
    }
    try {
      track(http, req, res)
    } catch (error) {
      http.metrics.recordError(COMPONENT, error)
    }
    next()
  }) as ExpressHttpMetricsMiddleware

  middleware.errorHandler = (error, req, _res, next) => {
    http.countError(methodIndex(req.method), routeOf(req), error)
    next(error)
  }
  return middleware
}

function track(http: HttpMetrics, req: ExpressLikeRequest, res: ServerResponse): void {
  const index = methodIndex(req.method)
  const active = http.activeOf(index)
  active.inc()
  const start = performance.now()
  onRequestDone(req, res, () => {
    active.dec()
    try {
      const seconds = (performance.now() - start) / 1000
      http.route(routeOf(req)).method(index).observe(finalStatus(req, res), seconds)
    } catch (error) {
      http.metrics.recordError(COMPONENT, error)
    }
  })
}

/** The route template: the matched route's path under its router's mount path; `__unmatched` when none matched. */
function routeOf(req: ExpressLikeRequest): string {
  const path = req.route?.path
  if (path === undefined) return UNMATCHED_ROUTE
  const base = req.baseUrl ?? ''
  return typeof path === 'string' ? base + path : `${base}${String(path)}`
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '/'
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}
