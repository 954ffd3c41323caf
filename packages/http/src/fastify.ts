import type {
  FastifyInstance,
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
} from 'fastify'
import fp from 'fastify-plugin'
import { challengeOf, isAuthorized, type GaugeSeries, type Metrics } from '@intervai/metrics-core'
import { finalStatus, onRequestDone } from './finish.js'
import { COMPONENT, UNMATCHED_ROUTE, methodIndex } from './labels.js'
import { httpMetrics, type HttpMetrics } from './metrics.js'
import { resolveOptions, type HttpMetricsOptions, type ResolvedExpose, type ResolvedOptions } from './options.js'
import type { RouteRecorder } from './recorder.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false` leaves this route out of the HTTP metrics. @default true */
    metrics?: boolean
  }
}

/** Options of `fastifyHttpMetrics`. */
export interface FastifyHttpMetricsOptions extends HttpMetricsOptions {}

/** Where a request stands: not routed yet (null), a route to record under, or left out. */
type RouteState = RouteRecorder | typeof OPTED_OUT | null

const ROUTE = Symbol('@intervai/metrics-http.route')
const OPTED_OUT = Symbol('@intervai/metrics-http.opted-out')

type TrackedRequest = FastifyRequest & { [ROUTE]: RouteState }

const plugin: FastifyPluginCallback<FastifyHttpMetricsOptions> = (app, opts, done) => {
  let options: ResolvedOptions
  let http: HttpMetrics
  try {
    options = resolveOptions(opts)
    http = httpMetrics(options.metrics, options.buckets)
  } catch (error) {
    // A callback plugin reports through done(); a throw would leave registration hanging.
    done(error as Error)
    return
  }
  // Registered twice in one app (or again in a child context): the first registration counts.
  if (app.hasRequestDecorator(ROUTE)) {
    done()
    return
  }
  app.decorateRequest(ROUTE, null)
  const unmatched = http.route(UNMATCHED_ROUTE)

  // The route is known per route, so the route's own first hook names it: no lookup per request.
  app.addHook('onRoute', (route) => {
    const optedOut = route.config?.metrics === false
    const recorder = optedOut ? undefined : http.route(route.url)
    const named: (request: FastifyRequest, reply: FastifyReply, next: HookHandlerDoneFunction) => void = recorder
      ? (request, _reply, next) => {
          ;(request as TrackedRequest)[ROUTE] = recorder
          next()
        }
      : (request, _reply, next) => {
          // Left out: undo the in-flight count taken by the app-level hook.
          if ((request as TrackedRequest)[ROUTE] === null) http.activeOf(methodIndex(request.raw.method)).dec()
          ;(request as TrackedRequest)[ROUTE] = OPTED_OUT
          next()
        }
    // A new array: Fastify's automatic HEAD route shares the GET route's options object.
    route.onRequest = [named, ...toArray(route.onRequest)]
    if (recorder) {
      for (const method of toArray(route.method)) http.activeOf(methodIndex(method))
    }
  })

  app.addHook('onRequest', (request, reply, next) => {
    try {
      track(http, unmatched, request as TrackedRequest, reply)
    } catch (error) {
      http.metrics.recordError(COMPONENT, error)
    }
    next()
  })

  app.addHook('onError', (request, _reply, error, next) => {
    const recorder = routeOf(http, request as TrackedRequest, unmatched)
    if (recorder !== OPTED_OUT) http.countError(methodIndex(request.raw.method), recorder.route, error)
    next()
  })

  if (options.expose) exposeRoute(app, options.metrics, options.expose)
  done()
}

/** Counts the request in flight now, and records it once when it is over (see `onRequestDone`). */
function track(http: HttpMetrics, unmatched: RouteRecorder, request: TrackedRequest, reply: FastifyReply): void {
  const raw = request.raw
  const res = reply.raw
  const index = methodIndex(raw.method)
  const active: GaugeSeries = http.activeOf(index)
  active.inc()
  const start = performance.now()
  onRequestDone(raw, res, () => {
    try {
      const state = request[ROUTE]
      if (state === OPTED_OUT) return
      const recorder = state ?? routeOf(http, request, unmatched)
      active.dec()
      if (recorder === OPTED_OUT) return
      recorder.method(index).observe(finalStatus(raw, res), (performance.now() - start) / 1000)
    } catch (error) {
      http.metrics.recordError(COMPONENT, error)
    }
  })
}

/**
 * The route of a request its route's own hook has not named: a 404, a reply sent by an
 * earlier hook, or a route declared before the plugin was registered.
 */
function routeOf(http: HttpMetrics, request: TrackedRequest, unmatched: RouteRecorder): RouteRecorder | typeof OPTED_OUT {
  const state = request[ROUTE]
  if (state !== null) return state
  if (request.is404) return unmatched
  const { url, config } = request.routeOptions
  if (config?.metrics === false) return OPTED_OUT
  return url === undefined ? unmatched : http.route(url)
}

function exposeRoute(app: FastifyInstance, metrics: Metrics, expose: ResolvedExpose): void {
  const auth = expose.auth
  app.route({
    method: 'GET',
    url: expose.path,
    config: { metrics: false },
    onRequest: auth
      ? (request, reply, next) => {
          if (isAuthorized(request.headers.authorization, auth)) next()
          else void reply.code(401).header('www-authenticate', challengeOf(auth)).send()
        }
      : undefined,
    handler: async (request, reply) => {
      const { contentType, body } = await metrics.render(request.headers.accept)
      return reply.type(contentType).send(body)
    },
  })
}

function toArray<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return []
  return Array.isArray(value) ? [...(value as T[])] : [value as T]
}

/**
 * Fastify plugin recording `http_server_request_duration_seconds{method,route,status_code}`,
 * `http_server_active_requests{method}` and `http_server_errors_total{method,route,error}`.
 * Register it before your routes; `config: { metrics: false }` leaves a route out.
 */
export const fastifyHttpMetrics = fp(plugin, { name: '@intervai/metrics-http', fastify: '5.x' })
