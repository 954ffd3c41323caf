import { parseArgs } from 'node:util'
import { runScenario, type ScenarioProgress } from './scenario.js'

// `npm run load`: a realistic scenario against a running service (default http://127.0.0.1:3000).
const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.SERVICE_URL ?? 'http://127.0.0.1:3000' },
    users: { type: 'string', default: '8' },
    optimizations: { type: 'string', default: '24' },
    rounds: { type: 'string', default: '1' },
    help: { type: 'boolean', default: false },
  },
})

if (values.help) {
  console.log('usage: npm run load -- [--url http://127.0.0.1:3000] [--users 8] [--optimizations 24] [--rounds 1]')
  console.log('Each user creates --optimizations optimizations (the default quota is 20 per minute, so some are refused),')
  console.log('streams their suggestions over WebSocket and decides on each; some requests fail on purpose.')
  process.exit(0)
}

const users = Number(values.users)
const optimizationsPerUser = Number(values.optimizations)
const rounds = Number(values.rounds)
const tty = process.stdout.isTTY
const started = Date.now()
let last = 0

function show(p: ScenarioProgress, round: number, force = false): void {
  const now = Date.now()
  if (!force && now - last < 200) return
  last = now
  const line = `round ${round}/${rounds}  requests ${p.requests}  streams ${p.streams}  suggestions ${p.suggestions}  5xx ${p.errors}  ${((now - started) / 1000).toFixed(1)} s`
  process.stdout.write(tty ? `\r${line}\x1b[K` : `${line}\n`)
}

try {
  await fetch(`${values.url}/health`)
} catch {
  console.error(`cannot reach ${values.url}: start the service first (npm start)`)
  process.exit(1)
}

const totals = { requests: 0, streams: 0, suggestions: 0, errors: 0, created: 0, quotaHits: 0, accepted: 0, rejected: 0 }
const codes: Record<number, number> = {}
const outcomes = { completed: 0, failed: 0, cancelled: 0, refused: 0 }
for (let round = 1; round <= rounds; round++) {
  const summary = await runScenario({
    baseUrl: values.url,
    users,
    optimizationsPerUser,
    userPrefix: `load-${started.toString(36)}-r${round}`,
    onProgress: (p) =>
      show({ requests: totals.requests + p.requests, streams: totals.streams + p.streams, suggestions: totals.suggestions + p.suggestions, errors: totals.errors + p.errors }, round),
  })
  totals.requests += summary.requests
  totals.streams += summary.streams
  totals.suggestions += summary.suggestions
  totals.errors += summary.errors
  totals.created += summary.created
  totals.quotaHits += summary.quotaHits
  totals.accepted += summary.decisions.accepted
  totals.rejected += summary.decisions.rejected
  for (const [code, n] of Object.entries(summary.statusCodes)) codes[Number(code)] = (codes[Number(code)] ?? 0) + n
  for (const key of Object.keys(outcomes) as (keyof typeof outcomes)[]) outcomes[key] += summary.streamOutcomes[key]
}
show(totals, rounds, true)
const seconds = (Date.now() - started) / 1000
const decided = totals.accepted + totals.rejected
console.log(`${tty ? '\n' : ''}
Summary (${seconds.toFixed(1)} s)
  HTTP requests       ${totals.requests} (${(totals.requests / seconds).toFixed(0)}/s)  by status: ${Object.entries(codes).map(([c, n]) => `${c}=${n}`).join(' ')}
  optimizations       ${totals.created} created, ${totals.quotaHits} refused by the quota (429)
  streams             ${outcomes.completed} completed, ${outcomes.failed} failed, ${outcomes.cancelled} cancelled, ${outcomes.refused} refused (too many at once)
  suggestions         ${totals.suggestions} streamed; ${totals.accepted} accepted, ${totals.rejected} rejected (acceptance ${decided ? ((100 * totals.accepted) / decided).toFixed(0) : 0}%)
  server errors       ${totals.errors} (5xx, on purpose: AI-model timeouts)
See ${values.url}/metrics`)
