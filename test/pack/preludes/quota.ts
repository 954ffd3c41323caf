// The quota README's blocks without imports continue its first block (app, metrics, pool) and
// use names of the reader's own app (handler, account, QuotaExceededError, request.user).
import rateLimit from '@fastify/rate-limit'
import { createMetrics } from '@intervai/metrics-core'
import { PostgresRateLimitStore, quotaMetrics } from '@intervai/metrics-quota'
import { quotaHooks } from '@intervai/metrics-quota/fastify'
import Fastify, { type RouteHandlerMethod } from 'fastify'
import pg from 'pg'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the app's authentication. */
    user: { accountId: string; plan: 'free' | 'pro' }
  }
}
declare const handler: RouteHandlerMethod
declare const account: { optimizationsThisMonth: number; plan: { monthlyOptimizations: number } }
declare class QuotaExceededError extends Error {}

const metrics = createMetrics()
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL })
const app = Fastify()
