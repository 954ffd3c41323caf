// Attack: hostile traffic against a Fastify app, an Express app, a ws server, a pg pool and the
// quota hooks, set up as the package READMEs show them on one metrics registry; then every metric
// family's distinct series against its documented bound, `promtool check metrics` and a strict
// OpenMetrics parse of the scrape, and the figures the clients can hold the server to.
//
//   npm run attack -- [--scale 1] [--seed 15] [--connections 16] [--json file] [--scrape file]
//
// At --scale 1: 100,000 random and bad-%-escape URLs, 5,000 odd methods, 5,000 requests with
// hostile headers, 5,000 distinct values on parameterised prefixes and mounts (Fastify and
// Express each), 5,000 case and trailing-slash variants, 2,000 handler errors with client-chosen
// codes, 1,000 hang-ups, 2,000 rate-limited requests, 6,000 distinct quota names, 10,000 distinct
// SQL texts, 1,000 well-behaved WebSocket clients, 3,000 bad handshakes and 3,000 broken frames.
// Counts scale with --scale (at least one of each). The traffic is drawn from --seed: a run can be
// repeated exactly. The apps run in a child process (bench/lib/attack-target.mjs), so a crash is
// seen; PostgreSQL is DATABASE_URL, or an embedded one started for the run.
//
// Exit code 1 when a family holds more series than its bound (or a label value outside its
// documented set), a family is missing or unknown, a figure differs from what the clients did,
// promtool or the strict parse refuses the scrape, an app crashed, or a client got neither an
// answer nor a close. promtool missing is reported and skipped, unless INTERVAI_REQUIRE_TOOLS=1.
import { fork, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { httpPhases } from './lib/attack-requests.mjs'
import { expectedFamilies, familyBounds, failuresOf, judgeFamilies } from './lib/attack-verdict.mjs'
import { attackWebSockets, WS_COUNTS } from './lib/attack-ws.mjs'
import { holdToClients, tallyHttp } from './lib/attack-checks.mjs'
import { parseSamples, sumOf } from './lib/exposition.mjs'
import { startPostgres } from './lib/postgres.mjs'
import { sendAll } from './lib/raw-http.mjs'
import { FRAME_KINDS } from './lib/raw-ws.mjs'
import { markdownTable } from './lib/stats.mjs'
import { loadStrictParser } from './lib/strict-exposition.mjs'

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    seed: { type: 'string', default: '15' },
    connections: { type: 'string', default: '16' },
    json: { type: 'string' },
    scrape: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
})
if (args.help) {
  console.log('usage: npm run attack -- [--scale 1] [--seed 15] [--connections 16] [--json file] [--scrape file]')
  console.log('--scale: share of the full counts (0.05: the slice npm test runs); --connections: keep-alive connections per app;')
  console.log('--json: the verdict and every figure; --scrape: the final /metrics (Prometheus text)')
  process.exit(0)
}
const scale = Number(args.scale)
const seed = Number(args.seed)
const connections = Number(args.connections)
if (!(scale > 0 && scale <= 10) || !Number.isInteger(seed) || !(Number.isInteger(connections) && connections >= 1 && connections <= 256)) {
  console.error('--scale must be in (0, 10], --seed a whole number, --connections 1..256')
  process.exit(2)
}

// Error kinds of http_server_errors_total and codes of ws_errors_total beyond ws's own: the bounds
// the READMEs of @intervai/metrics-http and @intervai/metrics-ws state (no option sets them).
const MAX_ERROR_KINDS = 50
const MAX_OTHER_WS_ERROR_CODES = 10

const started = performance.now()
const elapsed = () => ((performance.now() - started) / 1000).toFixed(0)
const postgres = await startPostgres()
const target = fork(new URL('./lib/attack-target.mjs', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ATTACK_DATABASE_URL: postgres.url } })
let phase = 'setup'
let stopping = false
let crashed
const exited = new Promise((resolve) => {
  target.once('exit', (code, signal) => {
    if (!stopping || code !== 0) crashed = `the apps' process exited with ${code ?? signal} during ${phase}`
    resolve()
  })
})
const ready = await new Promise((resolve, reject) => {
  target.once('message', resolve)
  exited.then(() => reject(new Error(crashed)))
})
const { ports } = ready

/** The WebSocket traffic, a row per kind of connection. */
function wsTable(tally, liveChecks) {
  const grouped = new Map()
  for (const [key, n] of [...Object.entries(tally.handshakeStatuses), ...Object.entries(tally.serverCloseCodes)]) {
    const at = key.lastIndexOf(': ')
    const kind = key.slice(0, at)
    const entry = grouped.get(kind) ?? { count: 0, answers: [] }
    entry.count += n
    entry.answers.push(`${key.slice(at + 2)}×${n}`)
    grouped.set(kind, entry)
  }
  const wellBehaved = tally.streams.ok + tally.streams.error + tally.streams.cancelled
  return [
    ['well-behaved (3 messages, a stream, every way of closing)', wellBehaved, `${tally.messagesSent} messages sent, ${tally.messagesReceived} received`],
    ...[...grouped].map(([kind, { count, answers }]) => [kind, count, `${kind in FRAME_KINDS ? 'server close code ' : 'status '}${answers.join(' ')}`]),
    ['held open for the live count', liveChecks.reduce((sum, l) => sum + l.clients, 0), liveChecks.map((l) => `server ${l.serverClients}, gauge ${l.gauge}`).join('; ')],
  ]
}

/** Asks the apps' process one question ('state' or 'render'). */
function ask(question) {
  return new Promise((resolve, reject) => {
    const onMessage = (message) => {
      if (message.type !== question) return
      target.off('message', onMessage)
      resolve(message)
    }
    target.on('message', onMessage)
    exited.then(() => reject(new Error(crashed)))
    target.send(question)
  })
}

async function scrape(accept) {
  const begun = performance.now()
  const response = await fetch(`http://127.0.0.1:${ports.metrics}/metrics`, { headers: accept ? { accept } : {} })
  const text = await response.text()
  return { text, ms: performance.now() - begun, bytes: Buffer.byteLength(text) }
}

const progress = { done: 0, total: 0 }
function show(force = false) {
  const line = `${elapsed()} s  ${phase}: ${progress.done}/${progress.total}`
  if (process.stdout.isTTY) process.stdout.write(`\r${line}\x1b[K`)
  else if (force) console.log(line)
}

const http = tallyHttp()
/** @type {import('./lib/attack-ws.mjs').WsTally | undefined} */
let ws
const live = []
let exitCode = 0
try {
  console.log(`attack: scale ${scale}, seed ${seed}, ${connections} connections per app; PostgreSQL ${postgres.embedded ? 'embedded' : 'from DATABASE_URL'}; apps in pid ${target.pid}`)
  const ticker = process.stdout.isTTY ? setInterval(() => show(), 500) : undefined
  for (const { phase: name, count, requests } of httpPhases(scale, seed)) {
    phase = name
    const byApp = { fastify: [], caseless: [], express: [] }
    for (const request of requests()) byApp[request.app].push(request)
    progress.done = 0
    progress.total = byApp.fastify.length + byApp.caseless.length + byApp.express.length
    const begun = performance.now()
    await Promise.all(
      Object.entries(byApp)
        .filter(([, list]) => list.length > 0)
        .map(([app, list]) =>
          sendAll({
            port: ports[app],
            connections,
            requests: list,
            onOutcome: (request, outcome) => {
              http.add(name, request, outcome)
              progress.done++
            },
          }).then(({ connects, retries }) => http.connects(name, connects, retries)),
        ),
    )
    http.phaseTime(name, count, performance.now() - begun)
    show(true)
    if (crashed) throw new Error(crashed)
  }

  phase = 'websocket'
  progress.done = 0
  progress.total = ['clients', 'handshakes', 'frames'].reduce((sum, key) => sum + Math.max(1, Math.round(WS_COUNTS[key] * scale)), 0)
  const wsBegun = performance.now()
  ws = await attackWebSockets({
    port: ports.ws,
    scale,
    onProgress: () => progress.done++,
    whileLive: async (count) => {
      const state = await ask('state')
      const gauge = sumOf(parseSamples((await scrape()).text), 'ws_connections_active')
      live.push({ clients: count, serverClients: state.wsClients, gauge })
    },
  })
  const wsSeconds = (performance.now() - wsBegun) / 1000
  show(true)
  clearInterval(ticker)
  if (process.stdout.isTTY) process.stdout.write('\n')

  // Hang-ups and closes settle within a moment: give them a second before the last figures.
  phase = 'settling'
  let state = await ask('state')
  for (let waited = 0; waited < 5000 && state.wsClients > 0; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    state = await ask('state')
  }
  await new Promise((resolve) => setTimeout(resolve, 1000))
  state = await ask('state')

  phase = 'verdict'
  const prometheus = await scrape()
  const openmetrics = await scrape('application/openmetrics-text; version=1.0.0')
  const { type: _, ...render } = await ask('render')
  const samples = parseSamples(prometheus.text)
  const families = new Set([...prometheus.text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]))
  const expected = expectedFamilies()
  const bounds = familyBounds({
    routes: [...ready.routes.fastify, ...ready.routes.caseless, ...ready.routes.express],
    statuses: http.statuses(),
    servers: [ready.wsServer],
    pools: [ready.pgPool],
    maxQuotas: ready.maxQuotas,
    maxStreamNames: ready.maxStreamNames,
    maxErrorKinds: MAX_ERROR_KINDS,
    maxOtherWsErrorCodes: MAX_OTHER_WS_ERROR_CODES,
  })
  const { rows, unexpected } = judgeFamilies(samples, bounds)
  const checks = holdToClients({ samples, http, ws, live, state })

  let promtool
  const promtoolPath = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim()
  if (promtoolPath === '') promtool = { skipped: 'promtool not on PATH (Debian package "prometheus")' }
  else {
    const run = spawnSync(promtoolPath, ['check', 'metrics'], { input: prometheus.text, encoding: 'utf8' })
    promtool = { status: run.status, output: `${run.stdout}${run.stderr}` }
  }
  let strict
  try {
    const parseExposition = await loadStrictParser()
    const parsed = parseExposition(openmetrics.text)
    parseExposition(prometheus.text)
    strict = parsed.eof ? { ok: true, samples: parsed.samples.length } : { ok: false, error: 'no # EOF at the end of the OpenMetrics scrape' }
  } catch (error) {
    strict = { ok: false, error: error.message }
  }

  stopping = true
  phase = 'stop'
  target.send('stop')
  await exited
  const result = {
    rows,
    unexpected,
    families: { missing: expected.filter((name) => !families.has(name)), extra: [...families].filter((name) => !expected.includes(name)).sort() },
    checks,
    promtool,
    strict,
    crashed,
    clientProblems: [...http.problems(), ...ws.problems],
  }
  const failures = failuresOf(result, { requireTools: process.env.INTERVAI_REQUIRE_TOOLS === '1' })
  const seconds = (performance.now() - started) / 1000

  console.log(`\nTraffic (${http.total()} HTTP requests and ${progress.total + live.reduce((sum, l) => sum + l.clients, 0)} WebSocket connections in ${seconds.toFixed(0)} s)\n`)
  console.log(markdownTable(['phase', 'sent', 'answered', 'closed unanswered', 'reset', 'hung up by us', 'no answer', 'connections', 'sent again', 'seconds', 'statuses'], http.table()))
  console.log(`\nWebSocket (${wsSeconds.toFixed(1)} s): what the clients saw\n`)
  console.log(markdownTable(['connections', 'count', 'answers'], wsTable(ws, live)))
  console.log(`\nSeries per family against its bound (label sets; a histogram's buckets aside)\n`)
  console.log(markdownTable(['family', 'series', 'samples', 'bound', 'bound made of', ''], rows.map((row) => [row.family, row.series, row.samples, row.bound, row.basis, row.ok ? 'within' : `BROKEN: ${row.problems.join('; ')}`])))
  console.log(`\nFigures held to what the clients did\n`)
  console.log(markdownTable(['figure', 'expected', '/metrics', ''], checks.map((check) => [check.what, check.expected, check.actual, check.ok ? 'ok' : 'DIFFERS'])))
  console.log('')
  console.log(`total series (sample lines): ${samples.length} in ${families.size} families (${expected.length} expected${result.families.missing.length + result.families.extra.length === 0 ? ', exactly those' : ''})`)
  console.log(`scrape: ${prometheus.bytes} bytes Prometheus text in ${prometheus.ms.toFixed(1)} ms, ${openmetrics.bytes} bytes OpenMetrics in ${openmetrics.ms.toFixed(1)} ms; render in the app ${render.prometheus.ms.toFixed(1)} ms / ${render.openmetrics.ms.toFixed(1)} ms`)
  console.log(`promtool check metrics: ${'skipped' in promtool ? `skipped: ${promtool.skipped}` : promtool.status === 0 ? 'clean' : `exit ${promtool.status}\n${promtool.output}`}`)
  console.log(`strict OpenMetrics parse: ${strict.ok ? `ok (${strict.samples} samples, # EOF)` : strict.error}`)
  console.log(`apps: ${crashed ?? 'never crashed, stopped cleanly'}; warnings: ${state.warnings.length === 0 ? 'none' : state.warnings.join('; ')}`)
  if (args.scrape) writeFileSync(args.scrape, prometheus.text)
  if (args.json) {
    writeFileSync(args.json, JSON.stringify({ scale, seed, connections, seconds, traffic: http.summary(), ws, live, state, ...result, failures, expectedFamilies: expected, families: [...families].sort(), familyCheck: result.families, totalSeries: samples.length, scrape: { prometheus: { bytes: prometheus.bytes, ms: prometheus.ms }, openmetrics: { bytes: openmetrics.bytes, ms: openmetrics.ms }, render } }, null, 2))
  }
  if (failures.length > 0) {
    exitCode = 1
    console.log(`\nATTACK FAILED:\n- ${failures.join('\n- ')}`)
  } else console.log('\nattack passed: every family within its bound, every figure as the clients did, the scrape clean')
} catch (error) {
  exitCode = 1
  console.error(`\nattack aborted during ${phase}: ${error.stack ?? error}`)
  stopping = true
  if (target.exitCode === null && target.signalCode === null) target.kill('SIGKILL')
  await exited
}
await postgres.destroy()
process.exit(exitCode)
