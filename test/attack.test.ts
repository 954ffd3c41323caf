import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from './support/database.js'
import { findTool } from './support/tools.js'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))
const promtool = findTool('promtool')

interface AttackResult {
  rows: { family: string; series: number; bound: number; ok: boolean; problems: string[] }[]
  unexpected: string[]
  familyCheck: { missing: string[]; extra: string[] }
  families: string[]
  expectedFamilies: string[]
  checks: { what: string; expected: string; actual: number; ok: boolean }[]
  promtool: { status: number | null; output: string } | { skipped: string }
  strict: { ok: boolean; error?: string; samples?: number }
  crashed?: string
  clientProblems: string[]
  failures: string[]
  traffic: Record<string, { sent: number; outcomes: Record<string, number> }>
}

// The families of the catalog areas the attacked apps record: core, http, ws, pg, quota.
const FAMILIES = [
  'http_server_active_requests',
  'http_server_errors_total',
  'http_server_request_duration_seconds',
  'instrumentation_errors_total',
  'pg_pool_acquire_duration_seconds',
  'pg_pool_connections',
  'pg_pool_errors_total',
  'pg_pool_max_connections',
  'pg_pool_waiting_requests',
  'pg_query_duration_seconds',
  'pg_query_errors_total',
  'pg_slow_queries_total',
  'pg_transactions_total',
  'quota_checks_total',
  'quota_limit_hits_total',
  'ws_connection_duration_seconds',
  'ws_connection_failures_total',
  'ws_connections_active',
  'ws_connections_opened_total',
  'ws_errors_total',
  'ws_message_size_bytes',
  'ws_messages_total',
  'ws_stream_duration_seconds',
]


describe('npm run attack (a bounded slice: --scale 0.05)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'intervai-attack-test-'))
  let database: TestDatabase
  let result: AttackResult

  beforeAll(async () => {
    database = await createTestDatabase()
    const json = join(dir, 'attack.json')
    // The attack exits 1 when anything is broken; its verdict is in the JSON either way.
    await run(process.execPath, ['bench/attack.mjs', '--scale', '0.05', '--json', json], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: database.url },
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { code?: number }) => {
      if (error.code !== 1) throw error
    })
    result = JSON.parse(readFileSync(json, 'utf8')) as AttackResult
  }, 120_000)
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true })
    await database?.drop()
  })

  it('sent every kind of hostile traffic and every request got an answer or a clean close', () => {
    expect(Object.keys(result.traffic)).toEqual(['urls', 'methods', 'headers', 'params', 'variants', 'errors', 'hang-ups', 'rate-limited', 'quota-names', 'sql'])
    expect(result.traffic.urls?.sent).toBe(5000)
    expect(result.traffic.sql?.sent).toBe(500)
    expect(result.traffic['hang-ups']?.outcomes['hung-up']).toBe(50)
    for (const phase of Object.values(result.traffic)) expect(phase.outcomes.timeout + phase.outcomes.refused).toBe(0)
    expect(result.clientProblems).toEqual([])
    expect(result.crashed).toBeUndefined()
  })

  it('shows exactly the families of the catalog areas the apps record, and no other sample', () => {
    expect(result.expectedFamilies).toEqual(FAMILIES)
    expect(result.families).toEqual(FAMILIES)
    expect(result.familyCheck).toEqual({ missing: [], extra: [] })
    expect(result.unexpected).toEqual([])
  })

  it('keeps every family within its documented bound', () => {
    expect(result.rows.map((row) => row.family).sort()).toEqual(FAMILIES)
    expect(result.rows.filter((row) => !row.ok)).toEqual([])
    // The bounds that the hostile names and codes reach exactly: 50 names + _other.
    const row = (family: string) => result.rows.find((r) => r.family === family)
    expect(row('quota_limit_hits_total')).toMatchObject({ series: 51, bound: 51 })
    expect(row('quota_checks_total')).toMatchObject({ series: 153, bound: 153 })
    expect(row('ws_connection_failures_total')).toMatchObject({ series: 9, bound: 9 })
    expect(row('ws_connection_duration_seconds')).toMatchObject({ series: 10, bound: 10 })
  })

  it('holds every figure of the scrape to what the clients did', () => {
    expect(result.checks).toHaveLength(48)
    expect(result.checks.filter((check) => !check.ok)).toEqual([])
  })

  it('parses strictly as OpenMetrics, ending in # EOF', () => {
    expect(result.strict).toMatchObject({ ok: true })
  })

  it.skipIf(promtool === undefined)('passes promtool check metrics', () => {
    expect(result.promtool).toEqual({ status: 0, output: '' })
  })
})
