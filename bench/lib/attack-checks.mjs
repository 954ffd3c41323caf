// What the attack's clients did, tallied as they go, and the figures of the final scrape that
// must follow from it exactly (or within a range where the server may go either way).
import { quotaOutcomes, wsCloseCodes, wsFailureReasons } from '@intervai/metrics-catalog'
import { between, exactly } from './attack-verdict.mjs'
import { sumOf } from './exposition.mjs'

const KINDS = ['answered', 'closed', 'reset', 'hung-up', 'timeout', 'refused']

/** The HTTP tally: outcomes and statuses per phase, and what the quota and SQL routes were asked to do. */
export function tallyHttp() {
  const phases = new Map()
  const quota = { allowed: 0, exceeded: 0, error: 0 }
  let queries = 0
  let hungUp = 0
  let bodyRefused = 0
  const phaseOf = (name) => {
    let entry = phases.get(name)
    if (entry === undefined) phases.set(name, (entry = { sent: 0, outcomes: Object.fromEntries(KINDS.map((k) => [k, 0])), statuses: {}, connects: 0, retries: 0, ms: 0, count: 0 }))
    return entry
  }
  return {
    /** @param {string} phase @param {import('./attack-requests.mjs').PlannedRequest} request @param {import('./raw-http.mjs').Outcome} outcome */
    add(phase, request, outcome) {
      const entry = phaseOf(phase)
      entry.sent++
      entry.outcomes[outcome.kind]++
      if (outcome.kind === 'hung-up') hungUp++
      if (outcome.kind !== 'answered') return
      entry.statuses[outcome.status] = (entry.statuses[outcome.status] ?? 0) + 1
      if (request.quotaOutcome !== undefined && outcome.status === 200) quota[quotaOutcomes[request.quotaOutcome]]++
      if (phase === 'rate-limited' && outcome.status === 200) quota.allowed++
      if (phase === 'rate-limited' && outcome.status === 429) quota.exceeded++
      if (request.bodyRefused && outcome.status === 400) bodyRefused++
      if (request.sql && (outcome.status === 200 || outcome.status === 422)) queries++
    },
    /** Connections a phase opened, and requests it sent again after a kept-alive connection closed unanswered. */
    connects(name, connects, retries) {
      const entry = phaseOf(name)
      entry.connects += connects
      entry.retries += retries
    },
    phaseTime: (name, count, ms) => Object.assign(phaseOf(name), { ms, count }),
    /** Every status a client was answered with. */
    statuses: () => [...new Set([...phases.values()].flatMap((entry) => Object.keys(entry.statuses)))].sort(),
    total: () => [...phases.values()].reduce((sum, entry) => sum + entry.sent, 0),
    quota,
    queries: () => queries,
    hungUp: () => hungUp,
    /** Requests whose body Node's parser refused after the app had them (Node answers 400 on the socket itself). */
    bodyRefused: () => bodyRefused,
    /** A request that got neither an answer nor a close. */
    problems: () =>
      [...phases].flatMap(([name, entry]) => [
        ...(entry.outcomes.timeout > 0 ? [`${entry.outcomes.timeout} ${name} requests got no answer and no close within 15 s`] : []),
        ...(entry.outcomes.refused > 0 ? [`${entry.outcomes.refused} ${name} connections refused`] : []),
      ]),
    table: () =>
      [...phases].map(([name, entry]) => {
        const top = Object.entries(entry.statuses).sort((a, b) => b[1] - a[1])
        const statuses = top.slice(0, 6).map(([status, n]) => `${status}×${n}`).join(' ') + (top.length > 6 ? ` +${top.length - 6} more` : '')
        const o = entry.outcomes
        return [name, entry.sent, o.answered, o.closed, o.reset, o['hung-up'], o.timeout + o.refused, entry.connects, entry.retries, (entry.ms / 1000).toFixed(1), statuses]
      }),
    summary: () => Object.fromEntries(phases),
  }
}

/**
 * The figures of the final scrape held to what the clients did.
 * @param {{ samples: import('./exposition.mjs').Sample[], http: ReturnType<typeof tallyHttp>,
 *   ws: import('./attack-ws.mjs').WsTally, live: Array<{ clients: number, serverClients: number, gauge: number }>,
 *   state: { wsClients: number, slowQueries: number } }} input
 * @returns {import('./attack-verdict.mjs').CheckRow[]}
 */
export function holdToClients({ samples, http, ws, live, state }) {
  const sum = (name, labels) => sumOf(samples, name, labels)
  const checks = [
    exactly('HTTP requests in flight at the end', sum('http_server_active_requests'), 0),
    // Node answers a body its parser refuses with a 400 of its own, past the response object: the
    // instrumentation sees a response that never finished, as when the client hangs up.
    between('HTTP requests recorded as 499 (hang-ups, and bodies Node refused)', sum('http_server_request_duration_seconds_count', { status_code: '499' }), http.hungUp(), http.hungUp() + http.bodyRefused()),
    ...quotaOutcomes.map((outcome) => exactly(`quota checks ${outcome}`, sum('quota_checks_total', { outcome }), http.quota[outcome])),
    exactly('quota limit hits', sum('quota_limit_hits_total'), http.quota.exceeded),
    exactly('queries (SQL route answers 200 or 422)', sum('pg_query_duration_seconds_count'), http.queries()),
    exactly('slow queries (onSlowQuery calls)', sum('pg_slow_queries_total'), state.slowQueries),
    exactly('instrumentation errors', sum('instrumentation_errors_total'), 0),
  ]
  const opened = sum('ws_connections_opened_total')
  const clientClosed = sum('ws_connection_failures_total', { reason: wsFailureReasons.clientClosed })
  checks.push(
    exactly('WebSocket opened + failed as client_closed (101s seen + hang-ups)', opened + clientClosed, ws.upgraded + ws.hangUps),
    between('WebSocket connections opened', opened, ws.upgraded, ws.upgraded + ws.hangUps),
  )
  for (const reason of Object.values(wsFailureReasons)) {
    if (reason !== wsFailureReasons.clientClosed) checks.push(exactly(`WebSocket handshakes failed: ${reason}`, sum('ws_connection_failures_total', { reason }), ws.failures[reason] ?? 0))
  }
  checks.push(exactly('WebSocket connections closed (durations recorded) = opened', sum('ws_connection_duration_seconds_count'), opened))
  for (const code of Object.values(wsCloseCodes)) {
    const range = ws.closeCodes[code] ?? { min: 0, max: 0 }
    checks.push(between(`WebSocket close_code ${code}`, sum('ws_connection_duration_seconds_count', { close_code: code }), range.min, range.max))
  }
  checks.push(
    exactly('WebSocket messages received (clients sent)', sum('ws_messages_total', { direction: 'received' }), ws.messagesSent),
    exactly('WebSocket messages sent (clients received)', sum('ws_messages_total', { direction: 'sent' }), ws.messagesReceived),
  )
  for (const [outcome, n] of Object.entries(ws.streams)) checks.push(exactly(`streams ${outcome}`, sum('ws_stream_duration_seconds_count', { outcome }), n))
  for (const [code, n] of Object.entries(ws.errors)) checks.push(exactly(`WebSocket errors ${code}`, sum('ws_errors_total', { code }), n))
  checks.push(exactly('WebSocket errors, all', sum('ws_errors_total'), Object.values(ws.errors).reduce((a, b) => a + b, 0)))
  for (const { clients, serverClients, gauge } of live) {
    checks.push(exactly(`ws_connections_active with ${clients} clients open`, gauge, clients), exactly(`server's clients with ${clients} clients open`, serverClients, clients))
  }
  checks.push(exactly('ws_connections_active at the end', sum('ws_connections_active'), 0), exactly("server's clients at the end", state.wsClients, 0))
  return checks
}
