import type { Metrics } from '@intervai/metrics-core'
import { fastifyHttpMetrics } from '@intervai/metrics-http/fastify'
import { instrumentPool, type SlowQuery } from '@intervai/metrics-pg'
import { PostgresRateLimitStore, quotaMetrics } from '@intervai/metrics-quota'
import { quotaHooks } from '@intervai/metrics-quota/fastify'
import type { BusinessPanel, StatusPageOptions } from '@intervai/metrics-status'
import { fastifyStatusPage } from '@intervai/metrics-status/fastify'
import { collectRuntimeMetrics, collectSystemMetrics } from '@intervai/metrics-system'
import { fastifyWebSocketMetrics } from '@intervai/metrics-ws/fastify'
import type { FastifyInstance } from 'fastify'
import type { Pool } from 'pg'
import type { WebSocket } from 'ws'
import type { StreamTimer } from './stream.js'

/** The quota names of the service: the rate limit on creating optimizations, and open streams per user. */
export const QUOTAS = { optimizations: 'optimizations', streams: 'streams' } as const

/** The status page's business panels: the figures of the guide's business section. */
export const STATUS_BUSINESS_PANELS: BusinessPanel[] = [
  { title: 'Optimizations per hour', rate: 'interview_ai_optimizations_total', per: 'hour', by: 'status' },
  { title: 'Suggestions per optimization', average: 'interview_ai_suggestions_per_optimization' },
  {
    title: 'Acceptance rate',
    ratio: { numerator: 'interview_ai_suggestion_decisions_total{decision="accepted"}', denominator: 'interview_ai_suggestion_decisions_total' },
    description: 'Accepted suggestions / all decisions.',
  },
]

/** What `instrumentApp` needs. */
export interface InstrumentOptions {
  metrics: Metrics
  /** The main pool, instrumented as `pool="main"`. */
  pool: Pool
  /** The rate-limit store's pool, instrumented as `pool="quota"`. */
  quotaPool: Pool
  /** Collect host metrics. */
  systemMetrics: boolean
  /** Options of the status page at `/status` (its interval, alert windows, auth). */
  statusPage?: Omit<StatusPageOptions, 'metrics' | 'prefix'>
}

/** The service's handle on every IntervAI Metrics package it uses. */
export interface Instrumentation {
  /** Spread into the @fastify/rate-limit options: quota hooks and the PostgreSQL store. */
  readonly rateLimitOptions: ReturnType<typeof quotaHooks> & { store: ReturnType<typeof PostgresRateLimitStore.for> }
  /** Instruments the WebSocket server; call once @fastify/websocket is registered. */
  afterWebsocket(app: FastifyInstance): Promise<void>
  /** Starts timing one optimization stream on `socket`. */
  startStream(socket: WebSocket): StreamTimer
  /** Records a quota checked in app code. */
  recordQuota(quota: string, outcome: 'allowed' | 'exceeded'): void
  /** Undoes the pool, host and runtime instrumentation (the plugins undo themselves when the app closes). */
  close(): void
}

/**
 * Wires the IntervAI Metrics packages into the app: HTTP (with `/metrics` on the app), the
 * status page (`/status`), PostgreSQL pools, quotas, host and Node.js runtime metrics; the WebSocket server once it exists.
 */
export async function instrumentApp(app: FastifyInstance, options: InstrumentOptions): Promise<Instrumentation> {
  const { metrics } = options
  await app.register(fastifyHttpMetrics, { metrics, expose: { path: '/metrics' } })
  // The live status page at /status: every group's charts and the alerts' states, in-process.
  await app.register(fastifyStatusPage, { metrics, path: '/status', title: 'IntervAI service', business: STATUS_BUSINESS_PANELS, ...options.statusPage })
  // A slow query is counted in pg_slow_queries_total and logged with its literals redacted.
  const onSlowQuery = (query: SlowQuery): void => app.log.warn({ query }, 'slow query')
  const pools = [
    instrumentPool(options.pool, { metrics, pool: 'main', onSlowQuery }),
    instrumentPool(options.quotaPool, { metrics, pool: 'quota', onSlowQuery }),
  ]
  const system = options.systemMetrics ? collectSystemMetrics({ metrics }) : undefined
  // Event loop delay and utilization, heap, GC and process figures (prom-client's default metrics and ours).
  const runtime = collectRuntimeMetrics({ metrics })
  const quotas = quotaMetrics({ metrics })
  // Zero the app-level quota's series, so its panels start at 0 rather than "no data".
  for (const outcome of ['allowed', 'exceeded'] as const) quotas.record(QUOTAS.streams, outcome, 0)
  return {
    rateLimitOptions: { ...quotaHooks({ metrics, quota: QUOTAS.optimizations }), store: PostgresRateLimitStore.for(options.quotaPool) },
    async afterWebsocket(app) {
      await app.register(fastifyWebSocketMetrics, { metrics, server: 'api' })
    },
    startStream: (socket) => {
      const stream = app.wsMetrics.startStream('optimization', socket)
      return { chunk: () => stream.chunk(), end: (outcome) => void stream.end(outcome) }
    },
    recordQuota: (quota, outcome) => quotas.record(quota, outcome),
    close() {
      for (const pool of pools) pool.close()
      system?.close()
      runtime.close()
    },
  }
}
