// What the Node.js runtime metrics cost: the CPU of one scrape of a metrics object with and
// without collectRuntimeMetrics(), and the server CPU per request (and at idle) of a plain
// Fastify app with and without it (the event loop delay monitor samples every 10 ms, the GC
// observer sees every collection).
//
//   node bench/runtime.mjs [--rounds 7] [--renders 400] [--requests 24000] [--rate 4000] [--idle-seconds 3]
//
// Scrapes: both metrics objects live in this process, pinned to CPU 1, each on its own registry
// holding the same 100-series HTTP histogram (a small app); the figure is process.cpuUsage() of
// one render plus the event-loop turn after it (prom-client measures one lag sample in a
// setImmediate), alternating A B for every round.
// Requests: each variant is a server process pinned to CPU 1 (both alive for the whole run,
// warmed up first), autocannon runs in this process pinned to CPU 0 at a fixed request rate,
// variants alternate A B for every round; the server's CPU time comes from /proc/<pid>/stat.
// Every figure is a median over rounds; "vs" columns are medians of per-round ratios.
import { loadavg } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { cpuMeter, CLOCK_TICKS_PER_SECOND } from './lib/cpu.mjs'
import { parseSamples } from './lib/exposition.mjs'
import { HAS_TASKSET, pinProcess, spawnPinned } from './lib/process.mjs'
import { alternate } from './lib/rounds.mjs'
import { fmt, fmtRatio, markdownTable, median, medianRatio, ratios } from './lib/stats.mjs'

const SERVER_CPU = 1
const LOAD_CPU = 0
const VARIANTS = ['bare', 'runtime']

/** A metrics object holding what a small app has: one HTTP histogram with 100 series. */
async function appMetrics() {
  const { Registry } = await import('prom-client')
  const { createMetrics } = await import('@intervai/metrics-core')
  const { metricCatalog } = await import('@intervai/metrics-catalog')
  const metrics = createMetrics({ registry: new Registry() })
  const duration = metrics.histogram(metricCatalog.http.requestDuration)
  for (let route = 0; route < 25; route++) {
    for (const method of ['GET', 'POST']) {
      for (const status of ['200', '500']) duration.labels(method, `/api/items${route}/:id`, status).observe((route % 10) / 100)
    }
  }
  return metrics
}

/** CPU milliseconds of one scrape: a render and the event-loop turn after it. */
async function scrapeCost(metrics, renders) {
  const start = process.cpuUsage()
  for (let i = 0; i < renders; i++) {
    await metrics.render()
    await new Promise((resolve) => setImmediate(resolve))
  }
  const used = process.cpuUsage(start)
  return { ms: (used.user + used.system) / 1000 / renders }
}

async function scrapes(rounds, renders) {
  const { collectRuntimeMetrics } = await import('@intervai/metrics-system')
  const objects = { bare: await appMetrics(), runtime: await appMetrics() }
  const handle = collectRuntimeMetrics({ metrics: objects.runtime })
  try {
    const families = {}
    for (const [variant, metrics] of Object.entries(objects)) {
      const body = (await metrics.render()).body
      families[variant] = { families: body.split('\n').filter((line) => line.startsWith('# TYPE ')).length, samples: parseSamples(body).length }
      await scrapeCost(metrics, 50)
    }
    const results = await alternate({
      rounds,
      variants: VARIANTS,
      run: (variant) => scrapeCost(objects[variant], renders),
      onResult: (variant, round, r) => console.error(`scrape round ${round + 1} ${variant.padEnd(8)} ${fmt(r.ms, 3)} ms/scrape`),
    })
    const bare = results.bare.map((r) => r.ms)
    const runtime = results.runtime.map((r) => r.ms)
    const added = median(runtime.map((ms, i) => ms - bare[i]))
    return markdownTable(
      ['metrics object', 'families', 'samples', 'CPU ms/scrape', 'vs bare', 'added ms/scrape'],
      [
        ['100 HTTP series', families.bare.families, families.bare.samples, fmt(median(bare), 3), fmtRatio(1), ''],
        ['100 HTTP series + collectRuntimeMetrics', families.runtime.families, families.runtime.samples, fmt(median(runtime), 3), fmtRatio(medianRatio(runtime, bare)), fmt(added, 3)],
      ],
    )
  } finally {
    handle.close()
  }
}

/** Child mode: a plain Fastify app, with the runtime metrics collected or not, on 127.0.0.1. */
async function serve(variant) {
  const { default: Fastify } = await import('fastify')
  const app = Fastify({ logger: false })
  app.get('/hello/:id', (request) => ({ hello: request.params.id }))
  let handle
  if (variant === 'runtime') {
    const { Registry } = await import('prom-client')
    const { createMetrics } = await import('@intervai/metrics-core')
    const { collectRuntimeMetrics } = await import('@intervai/metrics-system')
    handle = collectRuntimeMetrics({ metrics: createMetrics({ registry: new Registry() }) })
  } else if (variant !== 'bare') {
    throw new Error(`unknown variant ${variant}`)
  }
  await app.listen({ port: 0, host: '127.0.0.1' })
  process.on('SIGTERM', () => {
    handle?.close()
    void app.close().then(() => process.exit(0))
  })
  process.on('disconnect', () => process.exit(0))
  process.send({ port: app.server.address().port })
}

async function requests(rounds, amount, rate, idleSeconds, connections) {
  const { default: autocannon } = await import('autocannon')
  const script = fileURLToPath(import.meta.url)
  const servers = {}
  const load = (port, options) => autocannon({ url: `http://127.0.0.1:${port}/hello/42`, connections, pipelining: 1, ...options })
  try {
    for (const variant of VARIANTS) {
      const started = await spawnPinned({ script, args: ['--serve', variant], cpu: SERVER_CPU })
      servers[variant] = { ...started, port: started.message.port }
    }
    for (const variant of VARIANTS) await load(servers[variant].port, { amount: 20000 })
    const results = await alternate({
      rounds,
      variants: VARIANTS,
      run: async (variant) => {
        const { child, port } = servers[variant]
        const stop = cpuMeter(child.pid)
        const result = await load(port, { amount, overallRate: rate })
        const cpu = stop()
        if (result.non2xx > 0 || result.errors > 0) throw new Error(`${variant}: ${result.non2xx} non-2xx, ${result.errors} errors`)
        const idle = cpuMeter(child.pid)
        await sleep(idleSeconds * 1000)
        const idleCpu = idle()
        return { cpuPerRequest: cpu.micros / result.requests.total, p99: result.latency.p99, idleMsPerSecond: idleCpu.micros / 1000 / idleSeconds, ticks: cpu.ticks }
      },
      onResult: (variant, round, r) =>
        console.error(`request round ${round + 1} ${variant.padEnd(8)} ${fmt(r.cpuPerRequest)} µs/req  p99 ${r.p99} ms  idle ${fmt(r.idleMsPerSecond)} ms CPU/s  (${r.ticks} ticks)`),
    })
    const cpu = (variant) => results[variant].map((r) => r.cpuPerRequest)
    const idle = (variant) => results[variant].map((r) => r.idleMsPerSecond)
    const spread = (variant) => {
      const r = ratios(cpu(variant), cpu('bare')).sort((a, b) => a - b)
      return `${fmt(r[0])}–${fmt(r.at(-1))}`
    }
    return markdownTable(
      ['Fastify app', 'server CPU µs/req', 'vs bare', 'per-round ratios', `p99 ms at ${rate} req/s`, 'idle CPU ms/s'],
      VARIANTS.map((variant) => [
        variant === 'bare' ? 'plain' : 'with collectRuntimeMetrics',
        fmt(median(cpu(variant))),
        fmtRatio(medianRatio(cpu(variant), cpu('bare'))),
        spread(variant),
        fmt(median(results[variant].map((r) => r.p99)), 1),
        fmt(median(idle(variant))),
      ]),
    )
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()))
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '7' },
      renders: { type: 'string', default: '400' },
      requests: { type: 'string', default: '24000' },
      rate: { type: 'string', default: '4000' },
      'idle-seconds': { type: 'string', default: '3' },
      connections: { type: 'string', default: '10' },
    },
  })
  const rounds = Math.max(5, Number(values.rounds))
  console.error(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
  console.error(`pinned: ${HAS_TASKSET ? `server CPU ${SERVER_CPU}, load CPU ${LOAD_CPU}` : 'no (taskset missing)'}; ${rounds} rounds; CLK_TCK ${CLOCK_TICKS_PER_SECOND}`)
  pinProcess(process.pid, SERVER_CPU)
  const scrapeTable = await scrapes(rounds, Number(values.renders))
  pinProcess(process.pid, LOAD_CPU)
  const requestTable = await requests(rounds, Number(values.requests), Number(values.rate), Number(values['idle-seconds']), Number(values.connections))
  console.log(scrapeTable)
  console.log('')
  console.log(requestTable)
}

const serveIndex = process.argv.indexOf('--serve')
if (serveIndex !== -1) await serve(process.argv[serveIndex + 1])
else await main()
