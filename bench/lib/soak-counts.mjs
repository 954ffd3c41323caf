import { sumOf } from './exposition.mjs'

/**
 * What the soak's clients did and saw, summed over every scenario round and plain HTTP batch.
 * @typedef {{
 *   statusCodes: Record<string, number>,
 *   ws: { opened: number, sent: number, received: number },
 *   optimizations: { completed: number, failed: number, cancelled: number },
 *   decisions: { accepted: number, rejected: number },
 *   quota: Record<string, { allowed: number, exceeded: number }>,
 * }} ClientCounts
 *   statusCodes: HTTP responses by status; ws: connections opened, messages sent and received by
 *   the clients; optimizations: streams by how they ended; quota: checks per quota name
 */

/**
 * One line of the comparison.
 * @typedef {{ what: string, client: number, server: number, equal: boolean }} CountRow
 */

/** @returns {ClientCounts} */
export function emptyCounts() {
  return {
    statusCodes: {},
    ws: { opened: 0, sent: 0, received: 0 },
    optimizations: { completed: 0, failed: 0, cancelled: 0 },
    decisions: { accepted: 0, rejected: 0 },
    quota: { optimizations: { allowed: 0, exceeded: 0 }, streams: { allowed: 0, exceeded: 0 } },
  }
}

/**
 * Adds one scenario round (a `ScenarioSummary` of examples/intervai-service/src/scenario.ts).
 * @param {ClientCounts} counts
 * @param {import('../../examples/intervai-service/dist/scenario.js').ScenarioSummary} summary
 */
export function addScenario(counts, summary) {
  addStatusCodes(counts, summary.statusCodes)
  counts.ws.opened += summary.webSockets.opened
  counts.ws.sent += summary.webSockets.sent
  counts.ws.received += summary.webSockets.received
  for (const status of /** @type {const} */ (['completed', 'failed', 'cancelled'])) counts.optimizations[status] += summary.streamOutcomes[status]
  counts.decisions.accepted += summary.decisions.accepted
  counts.decisions.rejected += summary.decisions.rejected
  // Every creation request is checked against the per-user quota; a 429 is the quota saying no.
  counts.quota.optimizations.allowed += summary.creationRequests - summary.quotaHits
  counts.quota.optimizations.exceeded += summary.quotaHits
  // Every stream socket that opened is checked against the open-streams quota.
  counts.quota.streams.allowed += summary.webSockets.opened - summary.streamOutcomes.refused
  counts.quota.streams.exceeded += summary.streamOutcomes.refused
}

/**
 * Adds HTTP responses by status (autocannon's `statusCodeStats` as `{ code: count }`).
 * @param {ClientCounts} counts
 * @param {Record<string, number>} statusCodes
 */
export function addStatusCodes(counts, statusCodes) {
  for (const [code, n] of Object.entries(statusCodes)) counts.statusCodes[code] = (counts.statusCodes[code] ?? 0) + n
}

/**
 * Compares every client-side count with the service's own `/metrics` (the example's names, no prefix).
 * @param {ClientCounts} client
 * @param {import('./exposition.mjs').Sample[]} samples the final scrape
 * @returns {CountRow[]}
 */
export function compareCounts(client, samples) {
  /** @type {CountRow[]} */
  const rows = []
  const row = (what, clientValue, serverValue) => rows.push({ what, client: clientValue, server: serverValue, equal: clientValue === serverValue })
  const requests = 'http_server_request_duration_seconds_count'
  const serverCodes = new Set(samples.filter((s) => s.name === requests).map((s) => s.labels.status_code))
  const codes = [...new Set([...Object.keys(client.statusCodes), ...serverCodes])].sort()
  for (const code of codes) row(`HTTP requests, status ${code}`, client.statusCodes[code] ?? 0, sumOf(samples, requests, { status_code: code }))
  row('HTTP requests, all', Object.values(client.statusCodes).reduce((a, b) => a + b, 0), sumOf(samples, requests))
  row('HTTP requests in flight at the end', 0, sumOf(samples, 'http_server_active_requests'))
  row('WebSocket connections opened', client.ws.opened, sumOf(samples, 'ws_connections_opened_total'))
  row('WebSocket handshakes failed', 0, sumOf(samples, 'ws_connection_failures_total'))
  row('WebSocket connections active at the end', 0, sumOf(samples, 'ws_connections_active'))
  row('WebSocket messages clients sent (server received)', client.ws.sent, sumOf(samples, 'ws_messages_total', { direction: 'received' }))
  row('WebSocket messages clients received (server sent)', client.ws.received, sumOf(samples, 'ws_messages_total', { direction: 'sent' }))
  const streamOutcome = { completed: 'ok', failed: 'error', cancelled: 'cancelled' }
  for (const [status, outcome] of Object.entries(streamOutcome)) {
    row(`optimizations ${status}`, client.optimizations[status], sumOf(samples, 'interview_ai_optimizations_total', { status }))
    row(`streams ${outcome}`, client.optimizations[status], sumOf(samples, 'ws_stream_duration_seconds_count', { outcome }))
  }
  for (const decision of ['accepted', 'rejected']) {
    row(`suggestions ${decision}`, client.decisions[decision], sumOf(samples, 'interview_ai_suggestion_decisions_total', { decision }))
  }
  for (const [quota, outcomes] of Object.entries(client.quota)) {
    for (const outcome of ['allowed', 'exceeded']) row(`quota ${quota} ${outcome}`, outcomes[outcome], sumOf(samples, 'quota_checks_total', { quota, outcome }))
    row(`quota ${quota} errors`, 0, sumOf(samples, 'quota_checks_total', { quota, outcome: 'error' }))
    row(`quota ${quota} limit hits`, outcomes.exceeded, sumOf(samples, 'quota_limit_hits_total', { quota }))
  }
  row('instrumentation errors', 0, sumOf(samples, 'instrumentation_errors_total'))
  return rows
}
