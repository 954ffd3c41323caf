'use strict'
// A CommonJS app using the packages with require(): what a `"type": "commonjs"` service does.
const { createMetrics } = require('@intervai/metrics-core')
const { fastifyHttpMetrics } = require('@intervai/metrics-http/fastify')
const { instrumentWebSocketServer } = require('@intervai/metrics-ws')
const { instrumentPool } = require('@intervai/metrics-pg')
const { quotaMetrics, PostgresRateLimitStore } = require('@intervai/metrics-quota')
const { quotaHooks } = require('@intervai/metrics-quota/fastify')
const { collectSystemMetrics } = require('@intervai/metrics-system')
const { prometheusRules, grafanaDashboard } = require('@intervai/metrics-alerts')
const { Registry } = require('prom-client')
const Fastify = require('fastify')
const pg = require('pg')
const { WebSocketServer } = require('ws')

async function main() {
  const metrics = createMetrics({ registry: new Registry() })
  const app = Fastify()
  await app.register(fastifyHttpMetrics, { metrics, expose: { path: '/metrics' } })
  app.get('/hello', async () => ({ hello: 'world' }))
  const pool = new pg.Pool({ max: 1 })
  const pgHandle = instrumentPool(pool, { metrics, pool: 'main' })
  const wss = new WebSocketServer({ noServer: true })
  const wsHandle = instrumentWebSocketServer(wss, { metrics })
  const system = collectSystemMetrics({ metrics })
  quotaMetrics({ metrics }).record('plan', 'exceeded')
  const hooks = quotaHooks({ metrics, quota: 'api' })
  const Store = PostgresRateLimitStore.for(pool)
  for (let i = 0; i < 3; i++) await app.inject('/hello')
  const scrape = await app.inject('/metrics')
  const report = {
    hooks: Object.keys(hooks).sort(),
    store: typeof Store,
    rules: prometheusRules().groups.length > 0,
    dashboard: typeof grafanaDashboard().uid,
    hello: /http_server_request_duration_seconds_count\{method="GET",route="\/hello",status_code="200"\} 3\n/.test(scrape.body),
    quota: /quota_limit_hits_total\{quota="plan"\} 1\n/.test(scrape.body),
  }
  system.close()
  wsHandle.close()
  pgHandle.close()
  wss.close()
  await pool.end()
  await app.close()
  process.stdout.write(JSON.stringify(report))
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
