import { WebSocket } from 'ws'
import { SIMULATE } from './model.js'
import { USER_HEADER } from './routes.js'

/** A scripted, deterministic scenario against a running service. */
export interface ScenarioOptions {
  /** Base URL of the service, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string
  /** Distinct users creating optimizations, in parallel. @default 4 */
  users?: number
  /** Optimizations each user tries to create; those over the quota are answered 429. @default 6 */
  optimizationsPerUser?: number
  /** Bullet lines per resume, so suggestions per completed optimization. @default 4 */
  bulletsPerResume?: number
  /** Every n-th creation attempt (n-1, 2n-1, ...) of a user asks for a failing stream; 0 for none. @default 5 */
  streamErrorEvery?: number
  /** Every n-th creation attempt of a user is cancelled by the client right after starting it; 0 for none. @default 4 */
  cancelEvery?: number
  /** Every n-th suggestion position (n-1, 2n-1, ...) is rejected, the others accepted. @default 3 */
  rejectEvery?: number
  /** Creation requests with an invalid body (400). @default 3 */
  badRequests?: number
  /** Creation requests whose AI-model call times out (504). @default 2 */
  dependencyTimeouts?: number
  /** Times a user opens `maxStreamsPerUser + 1` streams at once, so the last is refused. @default 1 */
  streamQuotaProbes?: number
  /** The service's streams-per-user limit, for the probes. @default 2 */
  maxStreamsPerUser?: number
  /** Prefix of the scenario's user ids, so runs within one quota window do not share quotas. @default 'user' */
  userPrefix?: string
  /** Called after every request or stream. */
  onProgress?: (progress: ScenarioProgress) => void
}

/** Running totals, for a progress display. */
export interface ScenarioProgress {
  requests: number
  streams: number
  suggestions: number
  errors: number
}

/** What the scenario did and saw. */
export interface ScenarioSummary extends ScenarioProgress {
  /** HTTP responses by status code. */
  statusCodes: Record<number, number>
  /** Creation requests sent (`POST /optimizations`, each checked against the quota). */
  creationRequests: number
  /** Optimizations created (201). */
  created: number
  /** Creation requests refused by the quota (429). */
  quotaHits: number
  /** Streams by how they ended, as the client saw it. */
  streamOutcomes: { completed: number; failed: number; cancelled: number; refused: number }
  /** Decisions sent and acknowledged. */
  decisions: { accepted: number; rejected: number }
  /** WebSocket connections opened, and messages the client sent and received on them. */
  webSockets: { opened: number; sent: number; received: number }
  /** Wall-clock duration, in milliseconds. */
  durationMs: number
}

interface StreamResult {
  outcome: 'completed' | 'failed' | 'cancelled' | 'refused'
  suggestionIds: string[]
}

/** Runs the scenario; resolves when every request and stream has finished. */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioSummary> {
  const o = {
    users: 4,
    optimizationsPerUser: 6,
    bulletsPerResume: 4,
    streamErrorEvery: 5,
    cancelEvery: 4,
    rejectEvery: 3,
    badRequests: 3,
    dependencyTimeouts: 2,
    streamQuotaProbes: 1,
    maxStreamsPerUser: 2,
    userPrefix: 'user',
    ...options,
  }
  const base = o.baseUrl.replace(/\/$/, '')
  const wsBase = base.replace(/^http/, 'ws')
  const started = Date.now()
  const summary: ScenarioSummary = {
    requests: 0,
    streams: 0,
    suggestions: 0,
    errors: 0,
    statusCodes: {},
    creationRequests: 0,
    created: 0,
    quotaHits: 0,
    streamOutcomes: { completed: 0, failed: 0, cancelled: 0, refused: 0 },
    decisions: { accepted: 0, rejected: 0 },
    webSockets: { opened: 0, sent: 0, received: 0 },
    durationMs: 0,
  }
  const progress = (): void => o.onProgress?.({ requests: summary.requests, streams: summary.streams, suggestions: summary.suggestions, errors: summary.errors })

  async function request(method: string, path: string, userId: string, body?: unknown): Promise<{ status: number; json: any }> {
    const response = await fetch(base + path, {
      method,
      headers: { [USER_HEADER]: userId, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const json: unknown = await response.json().catch(() => undefined)
    summary.requests++
    if (method === 'POST' && path === '/optimizations') summary.creationRequests++
    summary.statusCodes[response.status] = (summary.statusCodes[response.status] ?? 0) + 1
    if (response.status >= 500) summary.errors++
    progress()
    return { status: response.status, json }
  }

  function send(socket: WebSocket, message: { type: string }): void {
    socket.send(JSON.stringify(message))
    summary.webSockets.sent++
  }

  function stream(userId: string, id: string, cancel: boolean): Promise<StreamResult> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${wsBase}/optimizations/${id}/stream`, { headers: { [USER_HEADER]: userId } })
      const result: StreamResult = { outcome: 'completed', suggestionIds: [] }
      let ended = false
      socket.on('open', () => {
        summary.webSockets.opened++
        send(socket, { type: 'start' })
        // A user who changes their mind at once: the server ends the stream before any suggestion.
        if (cancel) send(socket, { type: 'cancel' })
      })
      socket.on('message', (data) => {
        summary.webSockets.received++
        const message = JSON.parse(String(data)) as { type: string; code?: string; suggestion?: { id: string } }
        if (message.type === 'suggestion' && message.suggestion) {
          result.suggestionIds.push(message.suggestion.id)
          summary.suggestions++
        } else if (message.type === 'done') {
          ended = true
        } else if (message.type === 'error') {
          result.outcome = message.code === 'QUOTA_EXCEEDED' ? 'refused' : 'failed'
          ended = true
        }
      })
      socket.on('error', reject)
      socket.on('close', () => {
        if (cancel && !ended) {
          result.outcome = 'cancelled'
          ended = true
        }
        summary.streams++
        summary.streamOutcomes[ended ? result.outcome : 'failed']++
        progress()
        resolve(result)
      })
    })
  }

  async function user(u: number): Promise<void> {
    const userId = `${o.userPrefix}-${u}`
    const created: { id: string; cancel: boolean }[] = []
    for (let i = 0; i < o.optimizationsPerUser; i++) {
      const failing = o.streamErrorEvery > 0 && i % o.streamErrorEvery === o.streamErrorEvery - 1
      const cancel = !failing && o.cancelEvery > 0 && i % o.cancelEvery === o.cancelEvery - 1
      const { status, json } = await request('POST', '/optimizations', userId, {
        targetRole: 'Site Reliability Engineer',
        resume: resumeText(o.bulletsPerResume, failing ? SIMULATE.streamError : ''),
      })
      if (status === 201) {
        summary.created++
        created.push({ id: (json as { id: string }).id, cancel })
      } else if (status === 429) summary.quotaHits++
    }
    for (const { id, cancel } of created) {
      const result = await stream(userId, id, cancel)
      if (result.outcome !== 'completed') continue
      for (const [position, suggestionId] of result.suggestionIds.entries()) {
        const decision = o.rejectEvery > 0 && position % o.rejectEvery === o.rejectEvery - 1 ? 'rejected' : 'accepted'
        const { status } = await request('POST', `/optimizations/${id}/suggestions/${suggestionId}/decision`, userId, { decision })
        if (status === 200) summary.decisions[decision]++
      }
      await request('GET', `/optimizations/${id}`, userId)
    }
    await request('GET', '/optimizations', userId)
  }

  async function streamQuotaProbe(p: number): Promise<void> {
    const userId = `${o.userPrefix}-probe-${p}`
    const { status, json } = await request('POST', '/optimizations', userId, { targetRole: 'Engineer', resume: resumeText(1, '') })
    if (status !== 201) throw new Error(`the stream-quota probe could not create an optimization (HTTP ${status})`)
    summary.created++
    const id = (json as { id: string }).id
    const sockets: WebSocket[] = []
    const refused = new Promise<void>((resolve, reject) => {
      const open = (n: number): void => {
        const socket = new WebSocket(`${wsBase}/optimizations/${id}/stream`, { headers: { [USER_HEADER]: userId } })
        sockets.push(socket)
        socket.on('error', reject)
        socket.on('message', (data) => {
          summary.webSockets.received++
          if ((JSON.parse(String(data)) as { code?: string }).code === 'QUOTA_EXCEEDED') summary.streamOutcomes.refused++
        })
        socket.on('close', () => {
          summary.streams++
          progress()
          if (n === o.maxStreamsPerUser) resolve()
        })
        // Open one after the other, so the refused one is always the last.
        socket.on('open', () => {
          summary.webSockets.opened++
          if (n < o.maxStreamsPerUser) open(n + 1)
        })
      }
      open(0)
    })
    await refused
    const closed = sockets.slice(0, o.maxStreamsPerUser).map((s) => new Promise((resolve) => s.once('close', resolve)))
    for (const s of sockets.slice(0, o.maxStreamsPerUser)) s.close(1000, 'probe done')
    await Promise.all(closed)
  }

  await Promise.all(Array.from({ length: o.users }, (_, u) => user(u + 1)))
  for (let i = 0; i < o.badRequests; i++) await request('POST', '/optimizations', `${o.userPrefix}-invalid-${i}`, { targetRole: '', resume: 'too short' })
  for (let i = 0; i < o.dependencyTimeouts; i++) {
    await request('POST', '/optimizations', `${o.userPrefix}-slow-${i}`, { targetRole: 'Engineer', resume: resumeText(2, SIMULATE.timeout) })
  }
  for (let p = 0; p < o.streamQuotaProbes; p++) await streamQuotaProbe(p)
  summary.durationMs = Date.now() - started
  return summary
}

/** A resume with `bullets` bullet lines (one suggestion each) and an optional simulation marker. */
export function resumeText(bullets: number, marker: string): string {
  const lines = ['Jane Doe, Site Reliability Engineer', 'Experience:']
  for (let i = 0; i < bullets; i++) lines.push(`- responsible for service number ${i + 1} and its on-call rotation`)
  if (marker) lines.push(marker)
  return lines.join('\n')
}
