import { describe, expect, it } from 'vitest'
import { between, exactly, expectedFamilies, failuresOf, familyBounds, judgeFamilies } from '../bench/lib/attack-verdict.mjs'
import { readResponse } from '../bench/lib/raw-http.mjs'

const SETUP = {
  routes: ['/users/:id', '/orgs/:org'],
  statuses: ['200', '404'],
  servers: ['attack'],
  pools: ['attack'],
  maxQuotas: 2,
  maxStreamNames: 3,
  maxErrorKinds: 50,
  maxOtherWsErrorCodes: 10,
}
const bounds = familyBounds(SETUP)
const bound = (family: string) => bounds.find((b) => b.family === family)
const duration = (method: string, route: string, status: string) => ({ name: 'http_server_request_duration_seconds_count', labels: { method, route, status_code: status } })
const ok = { rows: [], unexpected: [], families: { missing: [], extra: [] }, checks: [], promtool: { status: 0, output: '' }, strict: { ok: true }, clientProblems: [] }

describe('the attack verdict', () => {
  it('makes each bound the product of its labels, from the catalog and the options', () => {
    expect(bound('http_server_request_duration_seconds')?.bound).toBe(10 * 3 * 3) // 9 methods + _OTHER, 2 routes + __unmatched, 2 statuses + 499
    expect(bound('http_server_errors_total')?.bound).toBe(10 * 3 * 51)
    expect(bound('quota_checks_total')?.bound).toBe(3 * 3)
    expect(bound('ws_stream_duration_seconds')?.bound).toBe(4 * 3)
    expect(bound('ws_connection_failures_total')?.bound).toBe(9)
    expect(bound('ws_connection_duration_seconds')?.bound).toBe(10)
    expect(bound('ws_errors_total')?.bound).toBe(12 + 10 + 1)
    expect(bound('pg_query_duration_seconds')?.bound).toBe(45 * 2)
    expect(bound('pg_query_errors_total')?.bound).toBe(45 * 44)
    expect(bounds.map((b) => b.family).sort()).toEqual(expectedFamilies())
  })

  it('passes a scrape within its bounds, histogram buckets counted once', () => {
    const samples = [
      { name: 'http_server_request_duration_seconds_bucket', labels: { method: 'GET', route: '/users/:id', status_code: '200', le: '0.1' } },
      { name: 'http_server_request_duration_seconds_bucket', labels: { method: 'GET', route: '/users/:id', status_code: '200', le: '+Inf' } },
      duration('GET', '/users/:id', '200'),
      duration('_OTHER', '__unmatched', '499'),
    ]
    const { rows, unexpected } = judgeFamilies(samples, bounds)
    expect(rows.find((row) => row.family === 'http_server_request_duration_seconds')).toMatchObject({ series: 2, samples: 4, bound: 90, ok: true, problems: [] })
    expect(unexpected).toEqual([])
  })

  it('flags a route nobody declared, though the family is far below its bound', () => {
    const { rows } = judgeFamilies([duration('HEAD', '<mount>/sql', '404')], bounds)
    expect(rows.find((row) => row.family === 'http_server_request_duration_seconds')?.problems).toEqual(['route="<mount>/sql" is outside its documented values'])
  })

  it('flags a label with more distinct values than its bound', () => {
    const samples = ['a', 'b', 'c', 'd'].map((quota) => ({ name: 'quota_limit_hits_total', labels: { quota } }))
    const row = judgeFamilies(samples, bounds).rows.find((r) => r.family === 'quota_limit_hits_total')
    expect(row).toMatchObject({ series: 4, bound: 3, ok: false })
    expect(row?.problems).toEqual(['4 distinct quota values, bound 3 (maxQuotas 2 + _other)', '4 series, bound 3'])
  })

  it('flags labels other than the catalog names, and samples of no family', () => {
    const { rows, unexpected } = judgeFamilies(
      [
        { name: 'ws_connections_active', labels: { server: 'attack', path: '/ws' } },
        { name: 'made_up_total', labels: {} },
      ],
      bounds,
    )
    expect(rows.find((row) => row.family === 'ws_connections_active')?.problems).toEqual(['labels {server,path} are not {server}'])
    expect(unexpected).toEqual(['made_up_total'])
  })

  it('fails on every kind of finding, and on a missing promtool only when tools are required', () => {
    expect(failuresOf(ok)).toEqual([])
    const skipped = { ...ok, promtool: { skipped: 'promtool not on PATH' } }
    expect(failuresOf(skipped)).toEqual([])
    expect(failuresOf(skipped, { requireTools: true })).toEqual(['promtool: promtool not on PATH (required: INTERVAI_REQUIRE_TOOLS=1)'])
    const bad = {
      ...ok,
      families: { missing: ['pg_pool_errors_total'], extra: [] },
      checks: [exactly('in flight', 1, 0), between('opened', 5, 6, 8), between('closed', 7, 6, 8)],
      promtool: { status: 1, output: 'error while linting\n' },
      strict: { ok: false, error: 'line 3: bad escape \\x' },
      crashed: 'exit 1 during urls',
      clientProblems: ['3 urls requests got no answer'],
    }
    expect(failuresOf(bad)).toEqual([
      'families missing from the scrape: pg_pool_errors_total',
      'in flight: 1, expected 0',
      'opened: 5, expected 6..8',
      'promtool check metrics: exit 1: error while linting',
      'strict OpenMetrics parse: line 3: bad escape \\x',
      'an app crashed: exit 1 during urls',
      'clients saw 1 problems: 3 urls requests got no answer',
    ])
  })
})

describe("the raw HTTP client's response reader", () => {
  const bytes = (text: string) => Buffer.from(text, 'latin1')

  it('skips 100 Continue and reads a response by its Content-Length', () => {
    const text = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok'
    expect(readResponse(bytes(text.slice(0, -1)), false)).toBeNull()
    expect(readResponse(bytes(text), false)).toEqual({ status: 201, close: false, length: text.length })
  })

  it('reads a chunked body with its last chunk, and no body after HEAD', () => {
    const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n'
    expect(readResponse(bytes(chunked.slice(0, -2)), false)).toBeNull()
    expect(readResponse(bytes(chunked), false)).toEqual({ status: 200, close: false, length: chunked.length })
    const head = 'HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n'
    expect(readResponse(bytes(head), true)).toEqual({ status: 200, close: false, length: head.length })
  })

  it('reads a response without length up to the close, and says the connection closes', () => {
    const text = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'
    expect(readResponse(bytes(text), false)).toBeNull()
    expect(readResponse(bytes(text), false, true)).toEqual({ status: 400, close: true, length: text.length })
  })
})
