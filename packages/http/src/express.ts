import type { IncomingMessage, ServerResponse } from 'node:http'
import { httpLabels } from '@intervai/metrics-catalog'
import { followRouterEvents, newMounts, onLayerStart } from './express-routes.js'
import { Requests, stateOf } from './inflight.js'
import { COMPONENT, MOUNTED, methodIndex } from './labels.js'
import { httpMetrics, type HttpMetrics } from './metrics.js'
import { PKG, resolveOptions, type HttpMetricsOptions } from './options.js'
import type { RouteRecorder } from './recorder.js'

/** Options of `expressHttpMetrics`. */
export interface ExpressHttpMetricsOptions extends HttpMetricsOptions {}

/** The parts of an Express request the middleware reads (Express 4 and 5). */
export interface ExpressLikeRequest extends IncomingMessage {
  /** The matched route, set by Express's router. */
  route?: { path?: unknown; methods?: Record<string, boolean | undefined> }
  /** The text the mount paths of the routers the request is in matched. */
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

/** The parts of `req.app` the middleware reads: its router's layers (`_router` on Express 4, `router` on 5), and `parent` (set on a sub-app). */
interface ExpressApp {
  _router?: { stack?: unknown }
  router?: { stack?: unknown }
  parent?: unknown
}

type AppRequest = ExpressLikeRequest & { app?: ExpressApp }

/** Whether each route seen by the fallback is on its app's own router, by route object (one per declared route). */
const ownRoutes = new WeakMap<object, boolean>()

/**
 * Whether `route` is on the app's own router rather than in a mounted router or sub-app. An
 * error leaving a router restores `req.baseUrl` to the app's (router/index.js, `restore`) but
 * keeps `req.route`, so the app-level error handler cannot tell from `baseUrl`; the app's
 * router's layers can. Unreadable layers count as the app's own (the route's path alone).
 */
function isOwnRoute(app: ExpressApp | undefined, route: object): boolean {
  let own = ownRoutes.get(route)
  if (own === undefined) {
    // Express 4's `app.router` is a getter that throws; its router is `_router`.
    const stack = (app?._router ?? app?.router)?.stack
    own = !Array.isArray(stack) || stack.some((layer) => (layer as { route?: unknown } | null)?.route === route)
    ownRoutes.set(route, own)
  }
  return own
}

/**
 * The route of a request no route handler event named: the route's path when the route is on
 * the app itself, `<mount>` + its path in a mounted router, `__unmatched` when none matched.
 */
function fallbackRoute(http: HttpMetrics, req: AppRequest): RouteRecorder {
  const route = req.route
  if (route === undefined || route === null || route.path === undefined || !handlesMethod(route, req.method)) return http.route(httpLabels.unmatchedRoute)
  const text = String(route.path)
  const mounted = (req.baseUrl !== undefined && req.baseUrl !== '') || !isOwnRoute(req.app, route)
  return http.route(mounted ? MOUNTED + text : text)
}

/**
 * Whether the route has a handler for the method. The router enters a route for HEAD when it
 * has none (router/index.js tries GET's), and leaves `req.route` set when nothing ran: that
 * request matched no route. `route.methods` is the route's own record of its handlers, in
 * Express 4 and 5; a route without one is taken as handling everything.
 */
function handlesMethod(route: { methods?: Record<string, boolean | undefined> }, method: string | undefined): boolean {
  const methods = route.methods
  if (methods === undefined || methods === null || typeof methods !== 'object' || methods._all === true) return true
  const name = (method ?? '').toLowerCase()
  return methods[name] === true || (name === 'head' && methods.get === true)
}

/**
 * Express middleware recording the same metrics as the Fastify plugin. Mount it first
 * (`app.use(expressHttpMetrics({ metrics }))`). On Express 5 (router >= 2.3) the route is the
 * full template across mounted routers (`/tenants/:t/items/:id`), taken from the router's
 * `express.router.request` events; a mount path they cannot show is `<mount>`, and so is
 * every mount path on Express 4 (`<mount>/profile`). `__unmatched` when no route matched.
 */
export function expressHttpMetrics(options: ExpressHttpMetricsOptions = {}): ExpressHttpMetricsMiddleware {
  const { metrics, buckets, expose } = resolveOptions(options)
  const http = httpMetrics(metrics, buckets)
  const requests = new Requests(metrics, http, (req) => fallbackRoute(http, req as AppRequest))
  const serveMetrics = expose ? metrics.handler({ auth: expose.auth }) : undefined
  const exposed = expose?.path
  let following = false
  let warned = false

  const middleware = ((req: AppRequest, res, next) => {
    if (serveMetrics !== undefined && (req.method === 'GET' || req.method === 'HEAD') && pathOf(req.url) === exposed) {
      serveMetrics(req, res)
      return
    }
    if (!following) {
      following = true
      followRouterEvents(middleware, requests, metrics.safely(COMPONENT, onLayerStart))
    }
    // Mounted twice (or two middlewares on one app): the first one tracks the request.
    const tracked = stateOf(res)
    if (tracked === undefined) {
      const state = requests.start(req, res)
      // Mounted inside a router (not first on the app): the mount paths above it are unknown.
      if (state !== undefined && req.baseUrl !== undefined && req.baseUrl !== '' && req.app?.parent === undefined) {
        state.mounts = newMounts(req.app, req.baseUrl)
      }
    } else if (tracked.owner.http !== http && !warned) {
      warned = true
      warnTrackedElsewhere()
    }
    next()
  }) as ExpressHttpMetricsMiddleware

  middleware.errorHandler = (error, req, res, next) => {
    const state = stateOf(res)
    if (state === undefined) http.countError(methodIndex(req.method), fallbackRoute(http, req).route, error)
    else if (!state.errorCounted) {
      state.errorCounted = true
      // The route named when its handler started: an error that left a mounted router keeps it.
      const route = state.route === null || typeof state.route === 'symbol' ? fallbackRoute(http, req) : state.route
      http.countError(state.method, route.route, error)
    }
    next(error)
  }
  return middleware
}

/** The warning `instrumentOnce` gives the Fastify plugin (and every package) for the same case. */
function warnTrackedElsewhere(): void {
  process.emitWarning(`${PKG}: this request is already recorded by another expressHttpMetrics middleware with other metrics; the first one stays in effect`, {
    type: 'IntervAIMetricsWarning',
    code: 'INTERVAI_METRICS_INSTRUMENTED_TWICE',
  })
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '/'
  const query = url.indexOf('?')
  return query === -1 ? url : url.slice(0, query)
}
