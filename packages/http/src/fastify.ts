import { IncomingMessage, type ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
// Not the global `performance`: that one is an accessor, a getter call on every use.
import { performance } from 'node:perf_hooks'
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify'
import fp from 'fastify-plugin'
import type FindMyWay from 'find-my-way'
import { challengeOf, isAuthorized, type Metrics } from '@intervai/metrics-core'
import { finalStatus } from './finish.js'
import { COMPONENT, UNMATCHED_ROUTE, methodIndex } from './labels.js'
import { httpMetrics, type HttpMetrics } from './metrics.js'
import { resolveOptions, type HttpMetricsOptions, type ResolvedExpose } from './options.js'
import type { RouteRecorder } from './recorder.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false` leaves this route out of the HTTP metrics. @default true */
    metrics?: boolean
  }
}

/** Options of `fastifyHttpMetrics`. */
export interface FastifyHttpMetricsOptions extends HttpMetricsOptions {}

const OPTED_OUT = Symbol('@intervai/metrics-http.opted-out')
/** Where a request stands: not routed yet (null), a route to record under, or left out. */
type RouteState = RouteRecorder | typeof OPTED_OUT | null

/** One request in flight, kept on its response; one object per request, no closure. */
class InFlight {
  route: RouteState = null
  done = false
  constructor(
    readonly start: number,
    readonly index: number,
  ) {}
}

const STATE = Symbol('@intervai/metrics-http.state')
const RESPONSE = Symbol('@intervai/metrics-http.response')
type TrackedResponse = ServerResponse & { [STATE]?: InFlight }
type QueuedRequest = IncomingMessage & { [RESPONSE]?: TrackedResponse }

/** Servers already instrumented: a second registration (same app or a child context) counts nothing more. */
const instrumented = new WeakSet<object>()

const plugin: FastifyPluginCallback<FastifyHttpMetricsOptions> = (app, opts, done) => {
  let options, http: HttpMetrics
  try {
    options = resolveOptions(opts)
    http = httpMetrics(options.metrics, options.buckets)
  } catch (error) {
    // A callback plugin reports through done(); a throw would leave registration hanging.
    done(error as Error)
    return
  }
  if (instrumented.has(app.server)) {
    done()
    return
  }
  instrumented.add(app.server)
  const unmatched = http.route(UNMATCHED_ROUTE)
  // Used only for requests no route handler saw (404, or answered by a hook): Fastify's
  // findRoute() tells whether a route matches, but not its template.
  const config = app.initialConfig
  const routes = fastifyDependency<typeof FindMyWay>('find-my-way')({
    caseSensitive: config.caseSensitive,
    ignoreTrailingSlash: config.ignoreTrailingSlash,
    ignoreDuplicateSlashes: config.ignoreDuplicateSlashes,
    maxParamLength: config.maxParamLength,
    // @ts-expect-error not in find-my-way's types, but read by it (Fastify passes it too)
    useSemicolonDelimiter: config.useSemicolonDelimiter,
    allowUnsafeRegex: true,
  })

  /** Finishes a request once: the in-flight count, and its duration unless left out. */
  const finish = (res: TrackedResponse): void => {
    const state = res[STATE]
    if (state === undefined || state.done) return
    state.done = true
    try {
      let route = state.route
      if (route === OPTED_OUT) return // the handler wrapper took it out of the in-flight count
      http.activeOf(state.index).dec()
      route ??= routeOf(res.req)
      if (route !== OPTED_OUT) route.method(state.index).observe(finalStatus(res.req, res), (performance.now() - state.start) / 1000)
    } catch (error) {
      http.metrics.recordError(COMPONENT, error)
    }
  }
  // Shared by every request: `this` is the emitter, so no closure is allocated per request.
  function onResponseClose(this: TrackedResponse): void {
    finish(this)
  }
  // A pipelined request queued behind another has no socket on its response, and when the
  // socket dies its response never closes: only its request does. The request's close alone
  // is no signal (Node emits it once the body is read), hence the check for a dead socket.
  function onQueuedRequestClose(this: QueuedRequest): void {
    const res = this[RESPONSE]
    if (res !== undefined && (this.socket === null || this.socket.destroyed)) finish(res)
  }

  /**
   * Starts tracking a request, before Fastify sees it. A listener on the server instead of an
   * `onRequest` hook: with callgrind (bench/http-instructions.mjs), an empty hook alone costs
   * 2.0% of a bare Fastify request (169,105 vs 165,785 instructions), two thirds of our budget.
   */
  const track = (req: IncomingMessage, res: TrackedResponse): void => {
    try {
      const index = methodIndex(req.method)
      http.activeOf(index).inc()
      res[STATE] = new InFlight(performance.now(), index)
      res.on('close', onResponseClose)
      if (res.socket === null && req instanceof IncomingMessage) {
        ;(req as QueuedRequest)[RESPONSE] = res
        req.on('close', onQueuedRequestClose)
      }
    } catch (error) {
      http.metrics.recordError(COMPONENT, error)
    }
  }

  /** The route of a request its handler never saw: a 404, a reply sent by a hook, or a route declared before the plugin. */
  const routeOf = (req: IncomingMessage): RouteRecorder | typeof OPTED_OUT => {
    const method = req.method ?? ''
    const url = req.url ?? '/'
    const found = routes.find(method as FindMyWay.HTTPMethod, url)
    if (found !== null) return found.store as RouteRecorder | typeof OPTED_OUT
    const template = templateOf(app, method, url)
    return template === undefined ? unmatched : http.route(template)
  }

  // Each route's handler names its recorder: no hook, and no lookup per request.
  app.addHook('onRoute', (route) => {
    const recorder = route.config?.metrics === false ? OPTED_OUT : http.route(route.url)
    try {
      routes.on(route.method as FindMyWay.HTTPMethod | FindMyWay.HTTPMethod[], route.url, () => {}, recorder)
    } catch {
      // A route find-my-way cannot take (or a duplicate that Fastify itself is about to reject):
      // its requests are still recorded when they reach the handler.
    }
    if (recorder !== OPTED_OUT) {
      for (const method of [route.method].flat()) http.activeOf(methodIndex(method))
    }
    const handler = route.handler as RouteHandlerMethod
    route.handler = function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
      const state = (reply.raw as TrackedResponse)[STATE]
      if (state !== undefined && state.route === null) {
        // Left out: undo the in-flight count taken when the request arrived.
        if (recorder === OPTED_OUT && !state.done) http.activeOf(state.index).dec()
        state.route = recorder
      }
      return handler.call(this, request, reply)
    }
  })

  app.addHook('onError', (request, _reply, error, next) => {
    if (request.is404) http.countError(methodIndex(request.raw.method), UNMATCHED_ROUTE, error)
    else if (request.routeOptions.config?.metrics !== false) {
      http.countError(methodIndex(request.raw.method), request.routeOptions.url ?? UNMATCHED_ROUTE, error)
    }
    next()
  })

  app.server.prependListener('request', track)
  const restoreInject = instrumentInject(app, track)
  app.addHook('preClose', (next) => {
    restoreInject()
    next()
  })
  app.addHook('onClose', (_instance, next) => {
    app.server.removeListener('request', track)
    next()
  })

  if (options.expose) exposeRoute(app, options.metrics, options.expose)
  done()
}

/**
 * `inject()` hands its fake request straight to Fastify's router, past the server's
 * `request` listeners. So the app's `inject` (on the root instance, which every context
 * inherits) dispatches through `track` first, the way Fastify's own `inject` does otherwise.
 * Returns what puts Fastify's `inject` back (at close, so a closed app answers as before).
 */
function instrumentInject(app: FastifyInstance, track: (req: IncomingMessage, res: ServerResponse) => void): () => void {
  let root = app as FastifyInstance & { inject: unknown }
  while (!Object.prototype.hasOwnProperty.call(root, 'inject')) root = Object.getPrototypeOf(root)
  const original = root.inject
  const dispatch = (req: IncomingMessage, res: ServerResponse): void => {
    track(req, res)
    app.routing(req, res)
  }
  const lightMyRequest = fastifyDependency<(dispatch: unknown, opts?: unknown, callback?: unknown) => unknown>('light-my-request')
  const whenReady = (req: IncomingMessage, res: ServerResponse): void => {
    app.ready((error) => {
      if (error) res.emit('error', error)
      else dispatch(req, res)
    })
  }
  root.inject = function inject(opts?: unknown, callback?: unknown) {
    return lightMyRequest(whenReady, opts, callback)
  } as typeof root.inject
  return () => {
    root.inject = original
  }
}

/**
 * The template of a route that the plugin did not see declared (declared before it): Fastify
 * matches it, and its path with each parameter's value put back as `:name` is a template
 * Fastify knows. Undefined when nothing matches, or when the template cannot be rebuilt.
 */
function templateOf(app: FastifyInstance, method: string, url: string): string | undefined {
  const path = url.split('?', 1)[0] as string
  const found = app.findRoute({ method: method as 'GET', url: path })
  if (found === null) return undefined
  const params = Object.entries((found.params ?? {}) as Record<string, string>)
  if (params.length === 0) return path
  const values = new Map(params.map(([name, value]) => [value, name]))
  const template = path
    .split('/')
    .map((segment) => {
      const name = values.get(safeDecode(segment))
      return name === undefined ? segment : name === '*' ? '*' : `:${name}`
    })
    .join('/')
  return app.hasRoute({ method: method as 'GET', url: template }) ? template : undefined
}

/**
 * A module Fastify itself depends on, loaded from Fastify's own dependencies: the copy the
 * app's Fastify uses (find-my-way routes, light-my-request injects), with no dependency of ours.
 */
function fastifyDependency<T>(name: string): T {
  const require = createRequire(import.meta.url)
  return createRequire(require.resolve('fastify'))(name) as T
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
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

/**
 * Fastify plugin recording `http_server_request_duration_seconds{method,route,status_code}`,
 * `http_server_active_requests{method}` and `http_server_errors_total{method,route,error}`.
 * Register it before your routes; `config: { metrics: false }` leaves a route out.
 */
export const fastifyHttpMetrics = fp(plugin, { name: '@intervai/metrics-http', fastify: '5.x' })
