import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))

interface SoakResult {
  rows: { what: string; client: number; server: number; equal: boolean }[]
  clientErrors: string[]
  stop: { code: number | null; stopped: boolean }
}

// Two scenario rounds of 4 users x 6 optimizations (of 4 bullet lines; under the quota of 20), and
// 1200 plain requests on 4 connections: 300 each, 50 cycles of the 6-request mix.
const ROUNDS = 2
const PER_ROUND = {
  created: 4 * 6 + 1, // + the stream-quota probe's
  badRequests: 3,
  timeouts: 2,
  // Per user: attempts 0, 1, 2, 5 complete, 3 is cancelled, 4 fails; each completed one gets 4
  // decisions (position 2 rejected) and a GET, then one list per user.
  ok: 4 * (4 * 4 + 4 + 1),
  streams: { completed: 4 * 4, failed: 4, cancelled: 4 },
  sockets: 4 * 6 + 3, // + the probe's three, one refused
  // 'start' on every stream, plus 'cancel' on the cancelled ones.
  sent: 4 * 6 + 4,
  // 4 suggestions + done per completed stream, 1 suggestion + error per failed one, the probe's refusal.
  received: 4 * 4 * 5 + 4 * 2 + 1,
}
const PLAIN = 1200 / 6

describe('npm run soak (a bounded slice)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'intervai-soak-test-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('counts every request, WebSocket message, optimization, decision and quota check exactly as the clients did', async () => {
    const json = join(dir, 'soak.json')
    const { stdout } = await run(
      process.execPath,
      ['bench/soak.mjs', '--rounds', String(ROUNDS), '--requests', '1200', '--connections', '4', '--users', '4', '--optimizations', '6', '--interval', '2', '--json', json],
      { cwd: root },
    )
    expect(stdout).toContain('soak passed: every count equal')
    const result = JSON.parse(readFileSync(json, 'utf8')) as SoakResult
    expect(result.rows.filter((row) => !row.equal)).toEqual([])
    expect(result.clientErrors).toEqual([])
    expect(result.stop).toMatchObject({ code: 0, stopped: true })

    const clientCount = (what: string): number | undefined => result.rows.find((row) => row.what === what)?.client
    expect(clientCount('HTTP requests, status 200')).toBe(ROUNDS * PER_ROUND.ok + 2 * PLAIN)
    expect(clientCount('HTTP requests, status 201')).toBe(ROUNDS * PER_ROUND.created)
    expect(clientCount('HTTP requests, status 400')).toBe(ROUNDS * PER_ROUND.badRequests + PLAIN)
    expect(clientCount('HTTP requests, status 401')).toBe(PLAIN)
    expect(clientCount('HTTP requests, status 404')).toBe(2 * PLAIN)
    expect(clientCount('HTTP requests, status 504')).toBe(ROUNDS * PER_ROUND.timeouts)
    expect(clientCount('WebSocket connections opened')).toBe(ROUNDS * PER_ROUND.sockets)
    expect(clientCount('WebSocket messages clients sent (server received)')).toBe(ROUNDS * PER_ROUND.sent)
    expect(clientCount('WebSocket messages clients received (server sent)')).toBe(ROUNDS * PER_ROUND.received)
    expect(clientCount('optimizations completed')).toBe(ROUNDS * PER_ROUND.streams.completed)
    expect(clientCount('optimizations failed')).toBe(ROUNDS * PER_ROUND.streams.failed)
    expect(clientCount('optimizations cancelled')).toBe(ROUNDS * PER_ROUND.streams.cancelled)
    expect(clientCount('suggestions accepted')).toBe(ROUNDS * PER_ROUND.streams.completed * 3)
    expect(clientCount('suggestions rejected')).toBe(ROUNDS * PER_ROUND.streams.completed)
    expect(clientCount('quota optimizations allowed')).toBe(ROUNDS * (4 * 6 + PER_ROUND.badRequests + PER_ROUND.timeouts + 1))
    expect(clientCount('quota streams exceeded')).toBe(ROUNDS)
  }, 120_000)
})
