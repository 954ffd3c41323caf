// The apps `npm run attack` attacks, set up as the package READMEs show them, all recording into
// one `metrics` object: a Fastify app (params, a parameterised prefix and a nested one,
// @fastify/rate-limit with quotaHooks, quotas recorded in app code), a second Fastify app with
// `routerOptions: { caseSensitive: false, ignoreTrailingSlash: true }`, an Express 5 app (a
// router mounted under `/tenants/:t` with a nested one, an app-level error handler), a ws
// WebSocketServer on its own port, and a pg.Pool the Express app queries.
import rateLimit from '@fastify/rate-limit'
import { fastifyHttpMetrics } from '@intervai/metrics-http/fastify'
import { expressHttpMetrics } from '@intervai/metrics-http/express'
import { instrumentPool } from '@intervai/metrics-pg'
import { quotaMetrics } from '@intervai/metrics-quota'
import { quotaHooks } from '@intervai/metrics-quota/fastify'
import { instrumentWebSocketServer } from '@intervai/metrics-ws'
import express from 'express'
import Fastify from 'fastify'
import pg from 'pg'
import { WebSocketServer } from 'ws'

/** The `server` label of the WebSocket server and the `pool` label of the pool. */
export const WS_SERVER = 'attack'
export const PG_POOL = 'attack'
/** Message size limit of the WebSocket server: a frame announcing more is refused with 1009. */
export const WS_MAX_PAYLOAD = 64 * 1024
/** Queries at least this slow count in `pg_slow_queries_total`. */
export const SLOW_QUERY_MS = 25
/** Quota names and stream names with series of their own (the packages' defaults, given explicitly). */
export const MAX_QUOTAS = 50
export const MAX_STREAM_NAMES = 50

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const OUTCOMES = ['allowed', 'exceeded', 'error']

/** An error whose `code` the client chose: `errorKind` takes codes that look like one, so they must be bounded. */
function clientCodedError(code) {
  return Object.assign(new Error('boom'), { code, statusCode: 500 })
}

/**
 * The main Fastify app. `routes` collects every route template Fastify declares (prefixes and
 * the HEAD routes it adds included), through `onRoute`.
 * @param {import('@intervai/metrics-core').Metrics} metrics
 * @returns {Promise<{ app: import('fastify').FastifyInstance, routes: Set<string> }>}
 */
export async function buildFastify(metrics) {
  const routes = new Set()
  const app = Fastify({ logger: false })
  app.addHook('onRoute', (route) => void routes.add(route.url))
  await app.register(fastifyHttpMetrics, { metrics })
  await app.register(rateLimit, { ...quotaHooks({ metrics, quota: 'api', maxQuotas: MAX_QUOTAS }), global: false, max: 100, timeWindow: '1 minute' })
  const quotas = quotaMetrics({ metrics, maxQuotas: MAX_QUOTAS })

  app.get('/', async () => ({ ok: true }))
  app.get('/users/:id', async (request) => ({ id: request.params.id }))
  app.get('/users/:id/posts/:post', async (request) => request.params)
  app.post('/users', { schema: { body: { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 40 } } } } }, async (request, reply) =>
    reply.code(201).send({ name: request.body.name }),
  )
  app.get('/files/*', async (request) => ({ path: request.params['*'] }))
  app.get('/boom/:code', async (request) => {
    throw clientCodedError(request.params.code)
  })
  app.get('/slow/:ms', async (request) => {
    await sleep(Math.min(Number(request.params.ms) || 0, 300))
    return { slept: true }
  })
  // Limited per route under the global quota ('api'), and under a quota of its own ('search').
  app.get('/limited/:id', { config: { rateLimit: { max: 3, timeWindow: '1 minute', keyGenerator: (request) => request.params.id } } }, async () => ({ ok: true }))
  app.get(
    '/search',
    { config: { rateLimit: { ...quotaHooks({ metrics, quota: 'search', maxQuotas: MAX_QUOTAS }), max: 2, timeWindow: '1 minute', keyGenerator: (request) => String(request.query.q) } } },
    async () => ({ results: [] }),
  )
  // Quota names chosen by the client: bounded by maxQuotas, whatever comes.
  app.post('/quota/:name', async (request) => {
    const outcome = OUTCOMES[Number(request.query.outcome) % 3] ?? 'allowed'
    quotas.record(request.params.name, outcome)
    return { recorded: outcome }
  })
  await app.register(
    async (orgs) => {
      orgs.get('/', async (request) => ({ org: request.params.org }))
      orgs.get('/projects/:project', async (request) => request.params)
      await orgs.register(
        async (teams) => {
          teams.get('/members/:member', async (request) => request.params)
        },
        { prefix: '/teams/:team' },
      )
    },
    { prefix: '/orgs/:org' },
  )
  await app.register(
    async (api) => {
      await api.register(
        async (v1) => {
          v1.get('/status', async () => ({ status: 'ok' }))
          v1.delete('/items/:id', async (request, reply) => reply.code(204).send())
        },
        { prefix: '/v1' },
      )
    },
    { prefix: '/api' },
  )
  await app.ready()
  return { app, routes }
}

/**
 * A second Fastify app on the same metrics, whose router ignores case and trailing slashes:
 * `/REGIONS/eu/accounts/7/` is the route `/Regions/:region/Accounts/:id`.
 * @param {import('@intervai/metrics-core').Metrics} metrics
 */
export async function buildCaselessFastify(metrics) {
  const routes = new Set()
  const app = Fastify({ logger: false, routerOptions: { caseSensitive: false, ignoreTrailingSlash: true } })
  app.addHook('onRoute', (route) => void routes.add(route.url))
  await app.register(fastifyHttpMetrics, { metrics })
  await app.register(
    async (regions) => {
      regions.get('/Accounts/:id', async (request) => request.params)
      regions.get('/Accounts/:id/Settings', async (request) => request.params)
    },
    { prefix: '/Regions/:region' },
  )
  await app.ready()
  return { app, routes }
}

/**
 * The Express 5 app: `/tenants/:t` mounts a router, which mounts `/projects/:p`; an app-level
 * error handler answers what the routes throw. `POST /tenants/:t/sql` runs its body on `pool`.
 * @param {import('@intervai/metrics-core').Metrics} metrics
 * @param {import('pg').Pool} pool
 * @returns {{ app: import('express').Express, routes: string[] }} routes: the full templates declared
 */
export function buildExpress(metrics, pool) {
  const recordMetrics = expressHttpMetrics({ metrics })
  const app = express()
  app.use(recordMetrics)
  app.get('/', (request, response) => void response.json({ ok: true }))
  app.get('/users/:id', (request, response) => void response.json({ id: request.params.id }))
  app.get('/slow/:ms', async (request, response) => {
    await sleep(Math.min(Number(request.params.ms) || 0, 300))
    response.json({ slept: true })
  })

  const tenants = express.Router({ mergeParams: true })
  tenants.get('/items/:id', (request, response) => void response.json(request.params))
  tenants.get('/boom/:code', (request) => {
    throw clientCodedError(request.params.code)
  })
  tenants.post('/sql', express.text({ type: () => true, limit: '64kb' }), async (request, response) => {
    try {
      const result = await pool.query(typeof request.body === 'string' ? request.body : '')
      response.json({ command: Array.isArray(result) ? result.map((r) => r.command) : result.command })
    } catch (error) {
      response.status(422).json({ code: error.code ?? null })
    }
  })
  const projects = express.Router({ mergeParams: true })
  projects.get('/files/:file', (request, response) => void response.json(request.params))
  tenants.use('/projects/:p', projects)
  app.use('/tenants/:t', tenants)

  app.use(recordMetrics.errorHandler)
  app.use((error, request, response, next) => {
    if (response.headersSent) return next(error)
    const status = Number.isInteger(error?.status) && error.status >= 400 && error.status < 600 ? error.status : 500
    response.status(status).json({ error: status === 500 ? 'internal error' : String(error.message) })
  })
  const routes = ['/', '/users/:id', '/slow/:ms', '/tenants/:t/items/:id', '/tenants/:t/boom/:code', '/tenants/:t/sql', '/tenants/:t/projects/:p/files/:file']
  return { app, routes }
}

/**
 * The pool, instrumented; `slow` counts the slow queries `onSlowQuery` was told of.
 * @param {import('@intervai/metrics-core').Metrics} metrics
 * @param {string} connectionString
 */
export function buildPool(metrics, connectionString) {
  const pool = new pg.Pool({ connectionString, max: 10, connectionTimeoutMillis: 10_000 })
  // pg emits 'error' when the server ends an idle client (pg_terminate_backend in the SQL texts).
  const poolErrors = { count: 0 }
  pool.on('error', () => poolErrors.count++)
  const slow = { count: 0 }
  const instrumented = instrumentPool(pool, { metrics, pool: PG_POOL, slowQueryMs: SLOW_QUERY_MS, onSlowQuery: () => void slow.count++ })
  return { pool, instrumented, slow, poolErrors }
}

/**
 * The ws server on its own port (path `/ws`). A text message `stream:<name>:<end>` starts a
 * stream named by the client (`end`: ok, error, or open: cancelled when the socket closes);
 * anything else is echoed.
 * @param {import('@intervai/metrics-core').Metrics} metrics
 * @returns {Promise<{ wss: WebSocketServer, ws: import('@intervai/metrics-ws').WebSocketMetrics, port: number }>}
 */
export async function buildWebSocketServer(metrics) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/ws', maxPayload: WS_MAX_PAYLOAD })
  await new Promise((resolve, reject) => {
    wss.once('listening', resolve)
    wss.once('error', reject)
  })
  const ws = instrumentWebSocketServer(wss, { metrics, server: WS_SERVER, maxStreamNames: MAX_STREAM_NAMES })
  wss.on('connection', (socket) => {
    socket.on('error', () => {})
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? '' : String(data)
      if (!text.startsWith('stream:')) return void socket.send(data, { binary: isBinary })
      const end = text.slice(text.lastIndexOf(':') + 1)
      const stream = ws.startStream(text.slice(7, text.lastIndexOf(':')), socket)
      socket.send('chunk')
      stream.chunk()
      if (end === 'ok' || end === 'error') {
        stream.end(end)
        socket.send(end)
      }
    })
  })
  return { wss, ws, port: wss.address().port }
}
