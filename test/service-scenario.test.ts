import { createMetrics } from '@intervai/metrics-core'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { runScenario, type ScenarioSummary } from '../examples/intervai-service/src/scenario.js'
import { buildService, type Service } from '../examples/intervai-service/src/service.js'
import { createTestDatabase, type TestDatabase } from './support/database.js'
import { parseExposition, sumOf, type Parsed } from './support/exposition.js'
import { promtoolCheckMetrics } from './support/promtool.js'
import { seriesOf } from './support/series.js'
import { findTool } from './support/tools.js'
import { waitFor } from './support/wait.js'

// The scenario, and what it must add up to. Per user, attempts 0..4: 0 and 1 complete,
// 2 is cancelled by the client right after starting it, 3 fails after its first suggestion,
// 4 is over the quota.
const USERS = 3
const QUOTA = 4
const ATTEMPTS = 5
const BULLETS = 3
const BAD_REQUESTS = 2
const TIMEOUTS = 3
const COMPLETED = USERS * 2
const CANCELLED = USERS
const FAILED = USERS
const STREAMED = COMPLETED + CANCELLED + FAILED // 12 optimizations streamed by their users
const CREATED = USERS * QUOTA + 1 // + the stream-quota probe's optimization
const QUOTA_HITS = USERS * (ATTEMPTS - QUOTA)
const POSTS = USERS * ATTEMPTS + BAD_REQUESTS + TIMEOUTS + 1
const SUGGESTIONS = COMPLETED * BULLETS
const REJECTED = COMPLETED // position 2 of each completed optimization
const ACCEPTED = SUGGESTIONS - REJECTED
const PROBE_SOCKETS = 3 // two allowed, one refused
const SOCKETS = STREAMED + PROBE_SOCKETS

const promtool = findTool('promtool')

describe('the example service under a scripted scenario', () => {
  let database: TestDatabase
  let service: Service
  let url: string
  let summary: ScenarioSummary
  let text: string
  let samples: Parsed

  beforeAll(async () => {
    database = await createTestDatabase()
    const metrics = createMetrics({ registry: new Registry() })
    service = await buildService({ databaseUrl: database.url, metrics, quotaMax: QUOTA, modelLatencyMs: 5, dependencyTimeoutMs: 50 })
    url = await service.listen(0)
    summary = await runScenario({
      baseUrl: url,
      users: USERS,
      optimizationsPerUser: ATTEMPTS,
      bulletsPerResume: BULLETS,
      streamErrorEvery: 4,
      cancelEvery: 3,
      rejectEvery: 3,
      badRequests: BAD_REQUESTS,
      dependencyTimeouts: TIMEOUTS,
      streamQuotaProbes: 1,
      maxStreamsPerUser: 2,
    })
    // A handshake without a user is refused before the upgrade.
    await new Promise<void>((resolve) => {
      const socket = new WebSocket(`${url.replace('http', 'ws')}/optimizations/00000000-0000-0000-0000-000000000000/stream`)
      socket.on('error', () => resolve())
      socket.on('open', () => socket.close())
    })
    // The server records a socket's end when its close handshake is over, just after the client's.
    text = await waitFor('every stream to be over', async () => {
      const body = await (await fetch(`${url}/metrics`)).text()
      const current = parseExposition(body)
      const seen = [
        sumOf(current, 'ws_connections_active'),
        sumOf(current, 'interview_ai_optimizations_total'),
        sumOf(current, 'ws_connection_duration_seconds_count'),
        sumOf(current, 'ws_connection_failures_total'),
      ]
      if (seen.join() === [0, STREAMED, SOCKETS, 1].join()) return body
      throw new Error(`active sockets, ended optimizations, closed sockets, failed handshakes: ${seen.join(', ')}`)
    })
    samples = parseExposition(text)
  })

  afterAll(async () => {
    await service?.close()
    await database?.drop()
  })

  it('the scenario saw what it scripted', () => {
    expect(summary.created).toBe(CREATED)
    expect(summary.quotaHits).toBe(QUOTA_HITS)
    expect(summary.streamOutcomes).toEqual({ completed: COMPLETED, failed: FAILED, cancelled: CANCELLED, refused: 1 })
    expect(summary.decisions).toEqual({ accepted: ACCEPTED, rejected: REJECTED })
    expect(summary.statusCodes).toEqual({ 200: SUGGESTIONS + COMPLETED + USERS, 201: CREATED, 400: BAD_REQUESTS, 429: QUOTA_HITS, 504: TIMEOUTS })
  })

  it('exposes every metric family of the catalog and the business metrics', () => {
    expect(Object.fromEntries(samples.types)).toMatchObject({
      http_server_request_duration_seconds: 'histogram',
      http_server_active_requests: 'gauge',
      http_server_errors_total: 'counter',
      ws_connections_active: 'gauge',
      ws_connections_opened_total: 'counter',
      ws_connection_failures_total: 'counter',
      ws_messages_total: 'counter',
      ws_message_size_bytes: 'histogram',
      ws_connection_duration_seconds: 'histogram',
      ws_stream_duration_seconds: 'histogram',
      pg_query_duration_seconds: 'histogram',
      pg_slow_queries_total: 'counter',
      pg_query_errors_total: 'counter',
      pg_pool_connections: 'gauge',
      pg_pool_max_connections: 'gauge',
      pg_pool_waiting_requests: 'gauge',
      pg_pool_acquire_duration_seconds: 'histogram',
      pg_pool_errors_total: 'counter',
      pg_transactions_total: 'counter',
      quota_checks_total: 'counter',
      quota_limit_hits_total: 'counter',
      system_cpu_utilization_ratio: 'gauge',
      system_memory_utilization_ratio: 'gauge',
      system_filesystem_utilization_ratio: 'gauge',
      system_network_io_bytes_total: 'counter',
      instrumentation_errors_total: 'counter',
      interview_ai_optimizations_total: 'counter',
      interview_ai_suggestions_per_optimization: 'histogram',
      interview_ai_suggestion_decisions_total: 'counter',
    })
  })

  it('counts every HTTP request under its route and status, and none is left in flight', () => {
    expect(seriesOf(samples, 'http_server_request_duration_seconds_count')).toEqual({
      'method=POST,route=/optimizations,status_code=201': CREATED,
      'method=POST,route=/optimizations,status_code=400': BAD_REQUESTS,
      'method=POST,route=/optimizations,status_code=429': QUOTA_HITS,
      'method=POST,route=/optimizations,status_code=504': TIMEOUTS,
      'method=POST,route=/optimizations/:id/suggestions/:suggestionId/decision,status_code=200': SUGGESTIONS,
      'method=GET,route=/optimizations/:id,status_code=200': COMPLETED,
      'method=GET,route=/optimizations,status_code=200': USERS,
    })
    expect(sumOf(samples, 'http_server_active_requests')).toBe(0)
  })

  it('counts the failed requests by error code', () => {
    expect(seriesOf(samples, 'http_server_errors_total')).toEqual({
      'method=POST,route=/optimizations,error=FST_ERR_VALIDATION': BAD_REQUESTS,
      'method=POST,route=/optimizations,error=QUOTA_EXCEEDED': QUOTA_HITS,
      'method=POST,route=/optimizations,error=DEPENDENCY_TIMEOUT': TIMEOUTS,
    })
  })

  it('counts the WebSocket connections, messages and streams', () => {
    expect(sumOf(samples, 'ws_connections_opened_total', { server: 'api' })).toBe(SOCKETS)
    expect(sumOf(samples, 'ws_connections_active', { server: 'api' })).toBe(0)
    // The handshake without a user never reached ws: the route's auth hook answered 401 instead.
    expect(Object.fromEntries(Object.entries(seriesOf(samples, 'ws_connection_failures_total')).filter(([, n]) => n > 0))).toEqual({
      'server=api,reason=rejected': 1,
    })
    // Received: one start per stream, one cancel per cancelled stream.
    // Sent: suggestions + done, 1 suggestion + error, nothing for a cancelled stream, the refusal.
    const received = STREAMED + CANCELLED
    const sent = COMPLETED * (BULLETS + 1) + FAILED * 2 + 1
    expect(seriesOf(samples, 'ws_messages_total')).toEqual({ 'server=api,direction=received': received, 'server=api,direction=sent': sent })
    expect(sumOf(samples, 'ws_message_size_bytes_count', { direction: 'sent' })).toBe(sent)
    expect(sumOf(samples, 'ws_message_size_bytes_sum', { direction: 'received' })).toBe(
      STREAMED * '{"type":"start"}'.length + CANCELLED * '{"type":"cancel"}'.length,
    )
    const byCode = Object.fromEntries(
      Object.entries(seriesOf(samples, 'ws_connection_duration_seconds_count')).filter(([, n]) => n > 0),
    )
    expect(byCode).toEqual({
      'server=api,close_code=1000': COMPLETED + CANCELLED + 2,
      'server=api,close_code=1011': FAILED,
      'server=api,close_code=other': 1,
    })
    expect(seriesOf(samples, 'ws_stream_duration_seconds_count')).toEqual({
      'stream=optimization,outcome=ok': COMPLETED,
      'stream=optimization,outcome=error': FAILED,
      'stream=optimization,outcome=cancelled': CANCELLED,
    })
  })

  it('counts every query of both pools by operation, and the schema transaction', () => {
    // main: INSERT = creations + stored suggestions (a failed stream stored one);
    // UPDATE = claims + ends + decisions; SELECT = 2 per read + 1 per list + the schema lock.
    const inserts = CREATED + SUGGESTIONS + FAILED
    const updates = STREAMED * 2 + SUGGESTIONS
    const selects = COMPLETED * 2 + USERS + 1
    expect(seriesOf(samples, 'pg_query_duration_seconds_count')).toEqual({
      'pool=main,operation=BEGIN,outcome=ok': 1,
      'pool=main,operation=SELECT,outcome=ok': selects,
      'pool=main,operation=CREATE,outcome=ok': 1,
      'pool=main,operation=COMMIT,outcome=ok': 1,
      'pool=main,operation=INSERT,outcome=ok': inserts,
      'pool=main,operation=UPDATE,outcome=ok': updates,
      'pool=quota,operation=CREATE,outcome=ok': 1,
      'pool=quota,operation=INSERT,outcome=ok': POSTS,
    })
    // Every pool.query is one checkout; the schema's four statements share one.
    expect(sumOf(samples, 'pg_pool_acquire_duration_seconds_count', { pool: 'main' })).toBe(inserts + updates + selects)
    expect(sumOf(samples, 'pg_pool_acquire_duration_seconds_count', { pool: 'quota' })).toBe(POSTS + 1)
    expect(seriesOf(samples, 'pg_transactions_total')).toEqual({
      'pool=main,outcome=commit': 1,
      'pool=main,outcome=rollback': 0,
      'pool=quota,outcome=commit': 0,
      'pool=quota,outcome=rollback': 0,
    })
    expect(sumOf(samples, 'pg_slow_queries_total')).toBe(0)
    expect(sumOf(samples, 'pg_query_errors_total')).toBe(0)
    expect(sumOf(samples, 'pg_pool_errors_total')).toBe(0)
    expect(sumOf(samples, 'pg_pool_connections', { state: 'used' })).toBe(0)
    expect(sumOf(samples, 'pg_pool_waiting_requests')).toBe(0)
    expect(seriesOf(samples, 'pg_pool_max_connections')).toEqual({ 'pool=main': 10, 'pool=quota': 4 })
  })

  it('counts the rate-limited quota and the streams quota checked in app code', () => {
    expect(seriesOf(samples, 'quota_checks_total')).toEqual({
      'quota=optimizations,outcome=allowed': POSTS - QUOTA_HITS,
      'quota=optimizations,outcome=exceeded': QUOTA_HITS,
      'quota=optimizations,outcome=error': 0,
      'quota=streams,outcome=allowed': SOCKETS - 1,
      'quota=streams,outcome=exceeded': 1,
      'quota=streams,outcome=error': 0,
    })
    expect(seriesOf(samples, 'quota_limit_hits_total')).toEqual({ 'quota=optimizations': QUOTA_HITS, 'quota=streams': 1 })
  })

  it('reports host utilization as ratios between 0 and 1', () => {
    for (const name of ['system_cpu_utilization_ratio', 'system_memory_utilization_ratio', 'system_filesystem_utilization_ratio']) {
      const values = samples.samples.filter((s) => s.name === name).map((s) => s.value)
      expect(values.length, name).toBeGreaterThanOrEqual(1)
      for (const v of values) expect(v >= 0 && v <= 1, `${name} = ${v}`).toBe(true)
    }
    expect(sumOf(samples, 'system_filesystem_utilization_ratio', { mountpoint: '/' })).toBeGreaterThan(0)
    expect(samples.samples.filter((s) => s.name === 'system_network_io_bytes_total').every((s) => s.value >= 0)).toBe(true)
  })

  it('counts the business metrics exactly, from zero', () => {
    expect(seriesOf(samples, 'interview_ai_optimizations_total')).toEqual({
      'status=completed': COMPLETED,
      'status=failed': FAILED,
      'status=cancelled': CANCELLED,
    })
    expect(sumOf(samples, 'interview_ai_suggestions_per_optimization_count')).toBe(COMPLETED)
    expect(sumOf(samples, 'interview_ai_suggestions_per_optimization_sum')).toBe(SUGGESTIONS)
    expect(sumOf(samples, 'interview_ai_suggestions_per_optimization_bucket', { le: '2' })).toBe(0)
    expect(sumOf(samples, 'interview_ai_suggestions_per_optimization_bucket', { le: '3' })).toBe(COMPLETED)
    expect(seriesOf(samples, 'interview_ai_suggestion_decisions_total')).toEqual({ 'decision=accepted': ACCEPTED, 'decision=rejected': REJECTED })
  })

  it('records no instrumentation error', () => {
    expect(sumOf(samples, 'instrumentation_errors_total')).toBe(0)
  })

  it.skipIf(promtool === undefined)('serves an exposition promtool accepts without a warning', () => {
    expect(promtoolCheckMetrics(promtool as string, text)).toEqual({ status: 0, output: '' })
  })
})
