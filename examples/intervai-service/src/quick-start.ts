// Quick start: HTTP and PostgreSQL metrics on /metrics (DATABASE_URL=postgres://... node quick-start.js)
import Fastify from 'fastify'
import pg from 'pg'
import { createMetrics } from '@intervai/metrics-core'
import { fastifyHttpMetrics } from '@intervai/metrics-http/fastify'
import { instrumentPool } from '@intervai/metrics-pg'

const metrics = createMetrics()
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL })
instrumentPool(pool, { metrics, pool: 'main' })
const app = Fastify()
await app.register(fastifyHttpMetrics, { metrics, expose: { path: '/metrics' } })
app.get('/time', async () => (await pool.query('SELECT now() AS now')).rows[0])
const url = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' })
console.log(`try ${url}/time, then ${url}/metrics`)
