// The process `npm run attack` attacks, forked by attack.mjs with an IPC channel: the apps of
// attack-apps.mjs on one createMetrics() (its own prom-client Registry), listening on 127.0.0.1,
// and the metrics served on a port of their own (scrapes are never counted). Nothing here catches
// an uncaught exception: a crash ends the process, and the attack reports it.
//
// Messages: 'state' → { wsClients, slowQueries, poolErrors, pool, warnings }; 'render' → the
// in-process render time and size of both formats; 'stop' → closes every app, exits 0.
import { createMetrics } from '@intervai/metrics-core'
import { Registry } from 'prom-client'
import { buildCaselessFastify, buildExpress, buildFastify, buildPool, buildWebSocketServer, MAX_QUOTAS, MAX_STREAM_NAMES, PG_POOL, SLOW_QUERY_MS, WS_MAX_PAYLOAD, WS_SERVER } from './attack-apps.mjs'

if (process.send === undefined) throw new Error('attack-target.mjs is forked by bench/attack.mjs, with an IPC channel')
const databaseUrl = process.env.ATTACK_DATABASE_URL
if (!databaseUrl) throw new Error('ATTACK_DATABASE_URL is not set')

const warnings = []
process.on('warning', (warning) => warnings.push(`${warning.code ?? warning.name}: ${warning.message}`))

const metrics = createMetrics({ registry: new Registry() })
const { pool, instrumented, slow, poolErrors } = buildPool(metrics, databaseUrl)
const fastify = await buildFastify(metrics)
const caseless = await buildCaselessFastify(metrics)
const expressApp = buildExpress(metrics, pool)
const webSockets = await buildWebSocketServer(metrics)
const metricsServer = await metrics.serve({ port: 0 })

const listen = (app) => app.listen({ host: '127.0.0.1', port: 0 }).then(() => app.server.address().port)
const expressServer = await new Promise((resolve) => {
  const server = expressApp.app.listen(0, '127.0.0.1', () => resolve(server))
})

process.send({
  type: 'ready',
  ports: {
    fastify: await listen(fastify.app),
    caseless: await listen(caseless.app),
    express: expressServer.address().port,
    ws: webSockets.port,
    metrics: metricsServer.port,
  },
  routes: { fastify: [...fastify.routes], caseless: [...caseless.routes], express: expressApp.routes },
  wsServer: WS_SERVER,
  pgPool: PG_POOL,
  wsMaxPayload: WS_MAX_PAYLOAD,
  slowQueryMs: SLOW_QUERY_MS,
  maxQuotas: MAX_QUOTAS,
  maxStreamNames: MAX_STREAM_NAMES,
})

async function render() {
  const timed = async (accept) => {
    const started = performance.now()
    const { body } = await metrics.render(accept)
    return { ms: performance.now() - started, bytes: Buffer.byteLength(body) }
  }
  return { prometheus: await timed(undefined), openmetrics: await timed('application/openmetrics-text; version=1.0.0') }
}

async function stop() {
  expressServer.closeAllConnections()
  await Promise.all([
    fastify.app.close(),
    caseless.app.close(),
    new Promise((resolve) => expressServer.close(resolve)),
    new Promise((resolve) => {
      for (const client of webSockets.wss.clients) client.terminate()
      webSockets.wss.close(resolve)
    }),
    metricsServer.close(),
  ])
  webSockets.ws.close()
  instrumented.close()
  await pool.end()
}

const answers = {
  state: async () => ({
    wsClients: webSockets.wss.clients.size,
    slowQueries: slow.count,
    poolErrors: poolErrors.count,
    pool: { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount },
    warnings,
  }),
  render,
}

process.on('message', async (message) => {
  if (message === 'stop') {
    await stop()
    process.exit(0)
  }
  process.send({ type: message, ...(await answers[message]()) })
})
process.once('disconnect', () => process.exit(0))
