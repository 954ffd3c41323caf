import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest, HookHandlerDoneFunction, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { httpLabels } from '@intervai/metrics-catalog'
import type { Metrics } from '@intervai/metrics-core'
import { challengeOf, FASTIFY_REGISTER_OPTIONS, instrumentOnce, isAuthorized } from '@intervai/metrics-core/internal'
import { OPTED_OUT, optOut, Requests, stateOf, type InFlight } from './inflight.js'
import { COMPONENT, methodIndex } from './labels.js'
import { httpMetrics, type HttpMetrics } from './metrics.js'
import { PKG, resolveOptions, type HttpMetricsOptions, type ResolvedExpose, type ResolvedOptions } from './options.js'
import type { RouteRecorder } from './recorder.js'
import { watchServerRequests } from './server-requests.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false` leaves this route out of the HTTP metrics. @default true */
    metrics?: boolean
  }
}

/** Options of `fastifyHttpMetrics`. */
export interface FastifyHttpMetricsOptions extends HttpMetricsOptions {}

/** The instrumentation of one server, shared by every registration on it. */
class ServerInstrumentation {
  readonly requests: Requests
  /** Names a request's route from Fastify's route options (guarded). */
  readonly name: (state: InFlight, request: FastifyRequest) => void
  /** Counts a handler error once per request (guarded). */
  readonly countError: (request: FastifyRequest, reply: FastifyReply, error: unknown) => void
  private readonly unmatched: RouteRecorder
  /** Each route's recorder, by its route config object (one per route and method). */
  private readonly byConfig = new WeakMap<object, RouteRecorder | typeof OPTED_OUT>()
  private readonly unwatch: () => void
  private warned = false

  constructor(
    readonly http: HttpMetrics,
    metrics: Metrics,
    server: object,
  ) {
    this.unmatched = http.route(httpLabels.unmatchedRoute)
    this.requests = new Requests(metrics, http, (_req, res) => this.unnamed(res))
    this.name = metrics.safely(COMPONENT, (state, request) => this.nameRequest(state, request))
    this.countError = metrics.safely(COMPONENT, (request, reply, error) => this.countRequestError(request, reply, error))
    // Requests Fastify answers before any hook (a bad %-escape: 400 FST_ERR_BAD_URL from
    // `onBadUrl` in fastify/fastify.js; a parameter over maxParamLength: 414) are seen here only.
    this.unwatch = watchServerRequests(server, this.requests.start)
  }

  /** Ends the instrumentation: requests of the server are no longer tracked. */
  close(): void {
    this.unwatch()
  }

  /** Starts tracking a request the server's channel did not report (`inject()`, HTTP/2). */
  stateOf(request: FastifyRequest, res: ServerResponse): InFlight | undefined {
    return stateOf(res) ?? this.requests.start(request.raw as IncomingMessage, res)
  }

  private nameRequest(state: InFlight, request: FastifyRequest): void {
    const options = request.routeOptions
    const config = options.config as object | undefined
    let route = config === undefined ? this.unmatched : this.byConfig.get(config)
    if (route === undefined) {
      const url = options.url
      route = options.config.metrics === false ? OPTED_OUT : url === undefined || request.is404 ? this.unmatched : this.http.route(url)
      this.byConfig.set(options.config, route)
    }
    if (route === OPTED_OUT) optOut(state)
    else state.route = route
  }

  private countRequestError(request: FastifyRequest, reply: FastifyReply, error: unknown): void {
    const state = this.stateOf(request, reply.raw)
    if (state === undefined) return
    if (state.route === null) this.nameRequest(state, request)
    const route = state.route
    // Fastify runs onError twice for one error when an onSend hook throws (fastify/lib/reply.js,
    // onSendEnd and onErrorHook): one request, one error.
    if (route === OPTED_OUT || route === null || state.errorCounted) return
    state.errorCounted = true
    this.http.countError(state.method, route.route, error)
  }

  private unnamed(res: ServerResponse): RouteRecorder {
    // Fastify's own early answers (bad URL, parameter too long, closing) are all errors; a
    // success that no hook of ours saw came from a route this plugin's hooks do not run for.
    if (!this.warned && res.statusCode < 400) {
      this.warned = true
      process.emitWarning(
        `${PKG}: a request was answered before this plugin's onRequest hook ran (by an onRequest hook added before it); such requests are recorded as route="${httpLabels.unmatchedRoute}". Register the plugin before other plugins and routes.`,
        { type: 'IntervAIMetricsWarning', code: 'INTERVAI_METRICS_HTTP_UNSEEN_ROUTE' },
      )
    }
    return this.unmatched
  }
}

/** What two registrations on one server must agree on, compared item by item by `instrumentOnce`. */
function identityOf(options: ResolvedOptions): unknown[] {
  return [options.metrics, String(options.buckets)]
}

const plugin: FastifyPluginCallback<FastifyHttpMetricsOptions> = (app, opts, done) => {
  let options: ResolvedOptions
  let claim
  try {
    options = resolveOptions(opts, FASTIFY_REGISTER_OPTIONS)
    const http = httpMetrics(options.metrics, options.buckets)
    const metrics = options.metrics
    claim = instrumentOnce(PKG, app.server, identityOf(options), () => new ServerInstrumentation(http, metrics, app.server))
  } catch (error) {
    // A callback plugin reports through done(); a throw would leave registration hanging.
    done(error as Error)
    return
  }
  const release = claim.release
  app.addHook('onClose', (_instance, next) => {
    release()
    next()
  })
  if (claim.first) instrument(app, claim.instrumentation)
  if (options.expose && claim.first) exposeRoute(app, options.metrics, options.expose)
  done()
}

function instrument(app: FastifyInstance, instrumentation: ServerInstrumentation): void {
  const { http } = instrumentation
  // Each route's methods get their in-flight series at 0 up front, so alerts never see "no data".
  app.addHook('onRoute', (route: RouteOptions) => {
    if (route.config?.metrics === false) return
    for (const method of [route.method].flat()) http.activeOf(methodIndex(method))
  })
  // Names the route (and starts requests the channel did not report). A route declared on the
  // root before the plugin still runs it: Fastify builds each route's hooks from its instance at
  // ready (fastify/lib/route.js), child plugins registered before this one included. Only a request
  // an earlier onRequest hook answers is not seen here.
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const state = instrumentation.stateOf(request, reply.raw)
    if (state !== undefined && state.route === null) instrumentation.name(state, request)
    done()
  })
  app.addHook('onError', (request: FastifyRequest, reply: FastifyReply, error: unknown, done: () => void) => {
    instrumentation.countError(request, reply, error)
    done()
  })
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
 * Register it before your routes and other plugins; `config: { metrics: false }` leaves a
 * route out.
 */
export const fastifyHttpMetrics = fp(plugin, { name: '@intervai/metrics-http', fastify: '5.x' })
