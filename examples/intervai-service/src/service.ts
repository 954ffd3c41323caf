import { createMetrics, type Metrics } from '@intervai/metrics-core'
import rateLimit from '@fastify/rate-limit'
import websocket from '@fastify/websocket'
import Fastify, { type FastifyInstance } from 'fastify'
import pg from 'pg'
import type { WebSocketServer } from 'ws'
import { createBusinessMetrics } from './business-metrics.js'
import { instrumentApp, type Instrumentation } from './instrument.js'
import { simulatedModel } from './model.js'
import { resolveServiceOptions, type ServiceOptions } from './options.js'
import { Repository } from './repository.js'
import { apiRoutes, requireUser, userOf } from './routes.js'
import { createSchema } from './schema.js'
import { streamRoute } from './stream.js'

/** The 429 answer of the optimization quota; its code names it in `http_server_errors_total{error}`. */
export class QuotaExceededError extends Error {
  readonly statusCode = 429
  readonly code = 'QUOTA_EXCEEDED'
  constructor(max: number, after: string) {
    super(`quota of ${max} optimizations exceeded, retry in ${after}`)
    this.name = 'QuotaExceededError'
  }
}

/** A built, not yet listening, IntervAI service. */
export interface Service {
  /** The Fastify app, ready (routes and plugins registered). */
  readonly app: FastifyInstance
  /** The metrics object every instrumentation records on. */
  readonly metrics: Metrics
  /** The main connection pool. */
  readonly pool: pg.Pool
  /** Starts listening; returns the base URL, e.g. `http://127.0.0.1:3000`. @default port 3000, host 127.0.0.1 */
  listen(port?: number, host?: string): Promise<string>
  /**
   * Stops accepting connections, lets requests in flight finish, cancels running streams and closes
   * every WebSocket with 1001 (going away), then closes the pools and undoes the instrumentation.
   * Connections still open after `shutdownGraceMs` are closed.
   */
  close(): Promise<void>
}

/**
 * Builds the IntervAI service: a Fastify API for resume optimizations on PostgreSQL (schema
 * created here), suggestions streamed over WebSocket, per-user quotas, and every metric of the
 * IntervAI Metrics packages plus the business metrics, served on `/metrics`.
 */
export async function buildService(options: ServiceOptions): Promise<Service> {
  const resolved = resolveServiceOptions(options)
  const metrics = resolved.metrics ?? createMetrics()
  const pool = new pg.Pool({ connectionString: resolved.databaseUrl, max: resolved.poolMax, application_name: 'intervai-service' })
  // The rate-limit store gets a small pool of its own, so quota checks never queue behind API queries.
  const quotaPool = new pg.Pool({ connectionString: resolved.databaseUrl, max: resolved.quotaPoolMax, application_name: 'intervai-service-quota' })
  const app = Fastify({ logger: resolved.logger })
  // pg emits an idle client's error on the pool; without a listener the process would crash.
  for (const p of [pool, quotaPool]) p.on('error', (error) => app.log.error({ err: error }, 'idle PostgreSQL client failed'))

  let instrumentation: Instrumentation | undefined
  let streams: ReturnType<typeof streamRoute> | undefined
  try {
    instrumentation = await instrumentApp(app, { metrics, pool, quotaPool, systemMetrics: resolved.systemMetrics, statusPage: resolved.statusPage })
    await createSchema(pool)
    // Replaces @fastify/websocket's default preClose, which closes every socket with no code (1005)
    // and does not wait (@fastify/websocket/index.js, defaultPreClose): running streams end as
    // cancelled first, then each socket is told 1001 (going away) and its closing handshake awaited.
    await app.register(websocket, {
      preClose: async () => {
        await streams?.cancelAll()
        await closeWebSockets(app.websocketServer, 1001, 'server shutting down')
      },
    })
    await instrumentation.afterWebsocket(app)
    await app.register(rateLimit, {
      ...instrumentation.rateLimitOptions,
      global: false,
      max: resolved.quotaMax,
      timeWindow: resolved.quotaWindowMs,
      // Unauthenticated requests are answered 401 before the limit is checked; the key is never a label.
      keyGenerator: (request) => userOf(request) ?? 'anonymous',
      errorResponseBuilder: (_request, context) => new QuotaExceededError(context.max, context.after),
    })
  } catch (error) {
    instrumentation?.close()
    await Promise.allSettled([pool.end(), quotaPool.end(), app.close()])
    throw error
  }

  const repository = new Repository(pool)
  const model = simulatedModel(resolved.modelLatencyMs, resolved.dependencyTimeoutMs)
  const business = createBusinessMetrics(metrics)

  app.get('/health', async () => {
    await pool.query('SELECT 1')
    return { status: 'ok' }
  })
  await app.register(async (api) => {
    requireUser(api)
    apiRoutes(api, { repository, model, business })
    streams = streamRoute(api, {
      repository,
      model,
      business,
      maxStreamsPerUser: resolved.maxStreamsPerUser,
      startStream: (socket) => instrumentation.startStream(socket),
      recordStreamQuota: (outcome) => instrumentation.recordQuota('streams', outcome),
    })
  })

  // Node keeps a keep-alive connection open after a response that finished during server.close(),
  // until keepAliveTimeout (72 s in Fastify): node's _http_server.js, resOnFinish. A response sent
  // while closing tells the client to close the connection instead.
  let closing = false
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close')
    done(null, payload)
  })
  app.addHook('onClose', async () => {
    instrumentation.close()
    await Promise.allSettled([pool.end(), quotaPool.end()])
  })
  await app.ready()

  return {
    app,
    metrics,
    pool,
    listen: (port = 3000, host = '127.0.0.1') => app.listen({ port, host }),
    close: async () => {
      closing = true
      // Node's server.close() waits for every connection, and a WebSocket for its peer's close frame:
      // after the grace period, whatever is still open is closed.
      const force = setTimeout(() => {
        app.server.closeAllConnections()
        for (const socket of app.websocketServer.clients) socket.terminate()
      }, resolved.shutdownGraceMs)
      try {
        await app.close()
      } finally {
        clearTimeout(force)
      }
    },
  }
}

/** Closes every client of `wss` with `code`, waits until each has closed, then closes the server. */
async function closeWebSockets(wss: WebSocketServer, code: number, reason: string): Promise<void> {
  const clients = [...wss.clients]
  const closed = clients.map((socket) => new Promise((resolve) => (socket.readyState === socket.CLOSED ? resolve(undefined) : socket.once('close', resolve))))
  for (const socket of clients) socket.close(code, reason)
  await Promise.all(closed)
  await new Promise<void>((resolve) => wss.close(() => resolve()))
}
