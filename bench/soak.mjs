// Soak: the example service under the load scenario plus plain HTTP load for a bounded time, its
// memory and series sampled, and every count the clients kept compared with its /metrics.
//
//   npm run soak -- [--minutes 5] [--interval 30] [--warmup 90] [--rate 300] [--heap-growth-mib 4]
//                   [--users 8] [--optimizations 24] [--connections 8] [--rounds N --requests N] [--json file]
//
// The service starts as `npm start` does (dist/main.js on a throw-away embedded PostgreSQL), with
// `--inspect=127.0.0.1:0`: its heap after a full GC and its RSS are read through the inspector, so
// the measured service is the shipped one, with no debug route. Scenario rounds (fresh users each
// round) and batches of plain HTTP requests (autocannon, a fixed mix of statuses) run side by side
// until the time is up; the round and batch under way then finish, so nothing is cut mid-flight.
// With --rounds/--requests it runs exactly that many instead (the fast slice `npm test` runs).
//
// The warm-up (90 s) covers the first run of every periodic job of the service: the rate-limit
// store's cleanup (every 60 s) adds its DELETE series then, a bounded label value seen late.
//
// Exit code 1 when a count differs, the series count grows after the warm-up, the heap after GC
// grows after the warm-up by more than --heap-growth-mib, a client saw an error, or the service
// does not stop cleanly.
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { runScenario } from '../examples/intervai-service/dist/scenario.js'
import { startExampleService } from './lib/example-service.mjs'
import { parseSamples } from './lib/exposition.mjs'
import { connectInspector } from './lib/inspector.mjs'
import { addScenario, addStatusCodes, compareCounts, emptyCounts } from './lib/soak-counts.mjs'
import { judgeGrowth, mib } from './lib/soak-samples.mjs'
import { markdownTable } from './lib/stats.mjs'

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    interval: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '90' },
    rate: { type: 'string', default: '300' },
    connections: { type: 'string', default: '8' },
    users: { type: 'string', default: '8' },
    optimizations: { type: 'string', default: '24' },
    'heap-growth-mib': { type: 'string', default: '4' },
    rounds: { type: 'string' },
    requests: { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
})
if (args.help) {
  console.log('usage: npm run soak -- [--minutes 5] [--interval 30] [--warmup 90] [--rate 300] [--heap-growth-mib 4]')
  console.log('                       [--users 8] [--optimizations 24] [--connections 8] [--rounds N --requests N] [--json file]')
  console.log('--rate: plain HTTP requests per second (0: as fast as they come); --rounds/--requests: run exactly that much load')
  process.exit(0)
}

const bounded = args.rounds !== undefined || args.requests !== undefined
const options = {
  durationMs: number('minutes', 0.05) * 60_000,
  intervalMs: number('interval', 1) * 1000,
  warmupMs: number('warmup', 0) * 1000,
  rate: number('rate', 0),
  connections: number('connections', 1),
  users: number('users', 1),
  optimizations: number('optimizations', 1),
  heapGrowthBytes: number('heap-growth-mib', 0) * 1024 * 1024,
  rounds: args.rounds === undefined ? 0 : number('rounds', 0),
  requests: args.requests === undefined ? 0 : number('requests', 0),
}

/** A numeric option, at least `min`. */
function number(name, min) {
  const value = Number(args[name])
  if (!Number.isFinite(value) || value < min) {
    console.error(`--${name} must be a number >= ${min}, got ${args[name]}`)
    process.exit(2)
  }
  return value
}

/**
 * The plain HTTP mix, one of each per cycle on every connection: two 200s, two 404s (a missing
 * optimization; a path with no route), a 401 and a 400.
 */
function plainRequests() {
  const user = { 'x-user-id': 'soak-reader' }
  const missing = '00000000-0000-4000-8000-000000000000'
  return [
    { method: 'GET', path: '/health' },
    { method: 'GET', path: '/optimizations', headers: user },
    { method: 'GET', path: `/optimizations/${missing}`, headers: user },
    { method: 'GET', path: '/optimizations' },
    { method: 'GET', path: '/no-such-route' },
    {
      method: 'POST',
      path: `/optimizations/${missing}/suggestions/${missing}/decision`,
      headers: { ...user, 'content-type': 'application/json' },
      body: JSON.stringify({ decision: 'maybe' }),
    },
  ]
}

const service = await startExampleService()
const inspector = await connectInspector(service.inspectorUrl).catch(async (error) => {
  await service.stop()
  throw error
})
const runId = Date.now().toString(36)
const client = emptyCounts()
/** @type {string[]} */
const clientErrors = []
/** @type {import('./lib/soak-samples.mjs').SoakSample[]} */
const samples = []
// Totals of finished rounds and batches, plus the live figures of the round and batch under way.
const progress = { rounds: 0, scenarioRequests: 0, streams: 0, plainRequests: 0, round: { requests: 0, streams: 0 }, batchRequests: 0 }
const answered = () => progress.scenarioRequests + progress.round.requests + progress.plainRequests + progress.batchRequests
let loadStarted = Date.now()
let finished = false

async function scrape() {
  const started = performance.now()
  const response = await fetch(`${service.url}/metrics`)
  const text = await response.text()
  return { text, scrapeMs: performance.now() - started }
}

async function sample() {
  const { text, scrapeMs } = await scrape()
  const memory = await inspector.memoryAfterGc()
  const entry = { atMs: Date.now() - loadStarted, ...memory, series: parseSamples(text).map((s) => s.series), scrapeMs, requests: answered() }
  samples.push(entry)
  return entry
}

async function scenarioLoad(deadline) {
  for (let round = 1; bounded ? round <= options.rounds : Date.now() < deadline; round++) {
    const summary = await runScenario({
      baseUrl: service.url,
      users: options.users,
      optimizationsPerUser: options.optimizations,
      userPrefix: `soak-${runId}-r${round}`,
      onProgress: (p) => (progress.round = p),
    })
    addScenario(client, summary)
    progress.rounds = round
    progress.scenarioRequests += summary.requests
    progress.streams += summary.streams
    progress.round = { requests: 0, streams: 0 }
  }
}

async function plainLoad(deadline) {
  // Batches of a fixed amount (never a duration): autocannon then waits for every answer, so each
  // request it sent is one it counted.
  const batch = options.rate > 0 ? Math.max(options.connections, Math.round(options.rate * 10)) : 5000
  let left = options.requests
  while (bounded ? left > 0 : Date.now() < deadline) {
    const amount = bounded ? Math.min(left, batch) : batch
    left -= amount
    const instance = autocannon({
      url: service.url,
      connections: Math.min(options.connections, amount),
      amount,
      overallRate: options.rate > 0 ? options.rate : undefined,
      requests: plainRequests(),
    })
    instance.on('response', () => progress.batchRequests++)
    const result = await instance
    addStatusCodes(client, Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])))
    progress.plainRequests += progress.batchRequests
    progress.batchRequests = 0
    if (result.errors > 0 || result.timeouts > 0) clientErrors.push(`autocannon: ${result.errors} errors, ${result.timeouts} timeouts`)
  }
}

function show(force = false) {
  const last = samples.at(-1)
  const elapsed = ((Date.now() - loadStarted) / 1000).toFixed(0)
  const total = bounded ? '' : `/${(options.durationMs / 1000).toFixed(0)}`
  const memory = last ? `  RSS ${mib(last.rss)} MiB  heap after GC ${mib(last.heapUsed)} MiB  series ${last.series.length}  scrape ${last.scrapeMs.toFixed(0)} ms` : ''
  const line = `${elapsed}${total} s  rounds ${progress.rounds}  requests ${answered()}  streams ${progress.streams + progress.round.streams}${memory}`
  if (process.stdout.isTTY) process.stdout.write(`\r${line}\x1b[K`)
  else if (force) console.log(line)
}

let exitCode = 0
try {
  console.log(`soak: ${bounded ? `${options.rounds} scenario rounds and ${options.requests} plain HTTP requests` : `${options.durationMs / 60_000} min`} against ${service.url} (pid ${service.pid})`)
  loadStarted = Date.now()
  await sample()
  show(true)
  const deadline = loadStarted + options.durationMs
  const sampler = setInterval(() => {
    sample().then(() => show(true), (error) => clientErrors.push(`sample: ${String(error)}`))
  }, options.intervalMs)
  const ticker = process.stdout.isTTY ? setInterval(() => show(), 1000) : undefined
  const load = await Promise.allSettled([scenarioLoad(deadline), plainLoad(deadline)])
  clearInterval(sampler)
  clearInterval(ticker)
  for (const result of load) if (result.status === 'rejected') clientErrors.push(`load: ${String(result.reason)}`)
  finished = true
  const last = await sample()
  show(true)
  if (process.stdout.isTTY) process.stdout.write('\n')

  const rows = compareCounts(client, parseSamples((await scrape()).text))
  const growth = judgeGrowth(samples, options)
  const seconds = last.atMs / 1000
  console.log(`\nSamples (heap read after a full GC; warm-up ${options.warmupMs / 1000} s)\n`)
  console.log(
    markdownTable(
      ['t (s)', 'RSS (MiB)', 'heap after GC (MiB)', 'series', 'scrape (ms)', 'requests answered'],
      samples.map((s) => [(s.atMs / 1000).toFixed(0), mib(s.rss), mib(s.heapUsed), s.series.length, s.scrapeMs.toFixed(1), s.requests]),
    ),
  )
  console.log(`\nCounts: the clients against /metrics (${answered()} HTTP requests in ${seconds.toFixed(0)} s, ${(answered() / seconds).toFixed(0)}/s)\n`)
  console.log(markdownTable(['count', 'clients', '/metrics', ''], rows.map((r) => [r.what, r.client, r.server, r.equal ? 'equal' : 'DIFFERS'])))
  console.log('')
  const failures = []
  const differing = rows.filter((r) => !r.equal)
  if (differing.length > 0) failures.push(`${differing.length} counts differ`)
  if (growth.baseline === undefined) console.log(`growth: not judged (the run ended within its ${options.warmupMs / 1000} s warm-up)`)
  else {
    const baseline = growth.baseline
    console.log(`series after warm-up: ${baseline.series.length} at ${(baseline.atMs / 1000).toFixed(0)} s, at most ${Math.max(...samples.filter((s) => s.atMs >= baseline.atMs).map((s) => s.series.length))} after`)
    if (growth.seriesGrew) failures.push(`the series count grew after the warm-up (new: ${growth.newSeries.slice(0, 10).join(', ')})`)
    console.log(`heap after GC: ${mib(baseline.heapUsed)} MiB after warm-up, at most +${mib(growth.heapGrowth)} MiB after (bound +${mib(options.heapGrowthBytes)} MiB)`)
    if (growth.heapGrew) failures.push(`the heap after GC grew by ${mib(growth.heapGrowth)} MiB after the warm-up (bound ${mib(options.heapGrowthBytes)} MiB)`)
  }
  if (clientErrors.length > 0) failures.push(`clients saw errors: ${clientErrors.join('; ')}`)
  inspector.close()
  const stop = await service.stop()
  console.log(`service stopped: exit code ${stop.code ?? stop.signal}, "stopped" ${stop.stopped ? 'printed' : 'NOT printed'}`)
  if (stop.code !== 0 || !stop.stopped) failures.push('the service did not stop cleanly')
  if (args.json) writeFileSync(args.json, JSON.stringify({ options, rows, samples: samples.map((s) => ({ ...s, series: s.series.length })), growth: { ...growth, baseline: growth.baseline?.atMs }, clientErrors, stop }, null, 2))
  if (failures.length > 0) {
    exitCode = 1
    console.log(`\nSOAK FAILED: ${failures.join('; ')}`)
  } else console.log(`\nsoak passed: every count equal${growth.baseline ? ', no growth after the warm-up' : ''}`)
} catch (error) {
  exitCode = 1
  console.error(error)
  if (!finished) console.error(service.output())
  inspector.close()
  await service.stop()
}
process.exit(exitCode)
