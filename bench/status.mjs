// The status page's costs: the sampler per tick (1,000 and 10,000 histogram series), the memory
// it holds after an hour at the default interval (ticks simulated), the page's weight, and the
// server CPU per request of a Fastify app with the page enabled vs not.
//
//   node --expose-gc bench/status.mjs [--rounds 11] [--ticks 30] [--skip-requests]
//
// Tick and memory figures run in this process pinned to CPU 1 (process.cpuUsage; medians over
// ticks). Request CPU follows bench/http.mjs: one server process per variant pinned to CPU 1,
// autocannon pinned to CPU 0 at a fixed rate, variants alternating every round, server CPU from
// /proc/<pid>/stat, a fresh server process per variant and round, the figure the median of
// per-round ratios to the app without the page.
import { gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { cpuMeter } from './lib/cpu.mjs'
import { pinProcess, spawnPinned, HAS_TASKSET } from './lib/process.mjs'
import { alternate } from './lib/rounds.mjs'
import { fmt, fmtRatio, markdownTable, median, medianRatio } from './lib/stats.mjs'

const SERVER_CPU = 1
const LOAD_CPU = 0
const METHODS = ['GET', 'POST', 'PUT', 'DELETE']
const STATUSES = ['200', '201', '400', '404', '500']
const INTERVAL_MS = 5000
const HOUR_TICKS = 3600_000 / INTERVAL_MS

function labelSets(count) {
  const sets = []
  for (let i = 0; sets.length < count; i++) {
    for (const method of METHODS) for (const status of STATUSES) if (sets.length < count) sets.push([method, `/api/v1/resource${i}/:id`, status])
  }
  return sets
}

/** An app's metrics holding `count` HTTP histogram series, and a sampler source on them (not started: ticks are driven here). */
async function sampled(count) {
  const { Registry } = await import('prom-client')
  const { createMetrics } = await import('@intervai/metrics-core')
  const { metricCatalog } = await import('@intervai/metrics-catalog')
  const { resolveStatusOptions } = await import('../packages/status/dist/options.js')
  const { SamplerSource } = await import('../packages/status/dist/sampler-source.js')
  const metrics = createMetrics({ registry: new Registry() })
  const h = metrics.histogram(metricCatalog.http.requestDuration)
  const series = labelSets(count).map(([m, r, s], i) => {
    const one = h.labels(m, r, s)
    one.observe((i % 100) / 1000)
    return one
  })
  // A tenth of the series see traffic between two ticks.
  const touch = (tick) => {
    for (let i = tick % 10; i < series.length; i += 10) series[i].observe(((i + tick) % 9) / 10)
  }
  return { metrics, touch, create: () => new SamplerSource(resolveStatusOptions({ metrics })) }
}

function cpuMs(fn) {
  const start = process.cpuUsage()
  const result = fn()
  return result instanceof Promise
    ? result.then(() => {
        const d = process.cpuUsage(start)
        return (d.user + d.system) / 1000
      })
    : (() => {
        const d = process.cpuUsage(start)
        return (d.user + d.system) / 1000
      })()
}

async function tickCosts(count, ticks) {
  const { touch, create } = await sampled(count)
  const source = create()
  await source.tick(0)
  const tick = []
  const idle = []
  for (let i = 1; i <= ticks; i++) {
    touch(i)
    tick.push(await cpuMs(() => source.tick(i * INTERVAL_MS)))
    // A tick with nothing changed since the previous one: the idle cost.
    idle.push(await cpuMs(() => source.tick(i * INTERVAL_MS + 1)))
  }
  source.close()
  return { tick: median(tick), idle: median(idle) }
}

function heapUsed() {
  globalThis.gc()
  globalThis.gc()
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers
}

async function hourMemory(count) {
  const { touch, create } = await sampled(count)
  const before = heapUsed()
  const source = create()
  for (let i = 0; i <= HOUR_TICKS + 10; i++) {
    touch(i)
    await source.tick(i * INTERVAL_MS)
  }
  let body = ''
  // What one answer of <path>/data costs with a full hour charted (made once per tick, whatever the viewers).
  const build = await cpuMs(async () => (body = JSON.stringify(await source.data())))
  const after = heapUsed()
  const held = { heap: after - before, rings: source.sampler.bytes, json: Buffer.byteLength(body), jsonGzip: gzipSync(body).length, build }
  source.close()
  return held
}

async function pageWeight() {
  const { statusPage } = await import('../packages/status/dist/page.js')
  const { UPLOT_VERSION } = await import('../packages/status/dist/generated/assets.js')
  const { html } = statusPage('Status')
  return { bytes: Buffer.byteLength(html), gzip: gzipSync(html).length, uplot: UPLOT_VERSION }
}

/** Child mode: a Fastify app with the HTTP metrics, with or without the status page. */
async function serve(variant) {
  const { default: Fastify } = await import('fastify')
  const { Registry } = await import('prom-client')
  const { createMetrics } = await import('@intervai/metrics-core')
  const { fastifyHttpMetrics } = await import('@intervai/metrics-http/fastify')
  const metrics = createMetrics({ registry: new Registry() })
  const app = Fastify({ logger: false })
  await app.register(fastifyHttpMetrics, { metrics, expose: true })
  if (variant !== 'http') {
    const { fastifyStatusPage } = await import('@intervai/metrics-status/fastify')
    await app.register(fastifyStatusPage, { metrics, intervalMs: variant === 'http+status@1s' ? 1000 : INTERVAL_MS })
  }
  app.get('/hello/:id', (request) => ({ hello: request.params.id }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
  process.on('disconnect', () => process.exit(0))
  process.send({ port: app.server.address().port })
}

async function requestCpu(rounds) {
  const variants = ['http', 'http+status', 'http+status@1s']
  const { default: autocannon } = await import('autocannon')
  const script = fileURLToPath(import.meta.url)
  const load = (port, amount, overallRate) => autocannon({ url: `http://127.0.0.1:${port}/hello/42`, connections: 10, pipelining: 1, amount, overallRate })
  const results = await alternate({
    rounds,
    variants,
    // A fresh server every round: two processes of the same app differ by up to ±20% in CPU
    // per request (JIT and memory layout), so the process is part of each round's noise.
    run: async (variant) => {
      const server = await spawnPinned({ script, args: ['--serve', variant], cpu: SERVER_CPU })
      try {
        const { port } = server.message
        await load(port, 20000)
        const stop = cpuMeter(server.child.pid)
        // 30,000 requests at 5,000 req/s: 6 s, a tick or more of the default interval.
        const result = await load(port, 30000, 5000)
        const cpu = stop()
        if (result.non2xx > 0 || result.errors > 0) throw new Error(`${variant}: ${result.non2xx} non-2xx, ${result.errors} errors`)
        return cpu.micros / result.requests.total
      } finally {
        await server.stop()
      }
    },
    onResult: (variant, round, r) => console.error(`round ${round + 1} ${variant.padEnd(16)} ${fmt(r)} µs/req`),
  })
  return variants.map((v) => [v, fmt(median(results[v])), fmtRatio(medianRatio(results[v], results.http), 3)])
}

async function main() {
  const { values } = parseArgs({
    options: { rounds: { type: 'string', default: '11' }, ticks: { type: 'string', default: '30' }, 'skip-requests': { type: 'boolean', default: false } },
  })
  if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc (npm run bench:status does)')
  pinProcess(process.pid, SERVER_CPU)
  console.error(`pinned: ${HAS_TASKSET ? `CPU ${SERVER_CPU}` : 'no (taskset missing)'}; ${values.ticks} ticks per size, one tenth of the series observed between ticks`)
  const rows = []
  for (const count of [1000, 10000]) {
    const costs = await tickCosts(count, Number(values.ticks))
    const memory = await hourMemory(count)
    rows.push([
      count.toLocaleString('en-US'),
      fmt(costs.tick),
      fmt(costs.idle),
      `${fmt((costs.tick / INTERVAL_MS) * 100, 3)} %`,
      fmt(memory.build),
      fmt(memory.rings / 2 ** 20),
      fmt(memory.heap / 2 ** 20),
      `${fmt(memory.json / 1024, 0)} / ${fmt(memory.jsonGzip / 1024, 0)}`,
    ])
  }
  console.log(
    markdownTable(
      ['HTTP histogram series', 'tick CPU ms', 'idle tick CPU ms', 'CPU share at 5 s', '/data build ms (1 h charted)', 'rings MiB after 1 h', 'heap held MiB after 1 h', '/data KiB (gzip)'],
      rows,
    ),
  )
  const page = await pageWeight()
  console.log('')
  console.log(markdownTable(['page', 'bytes', 'gzip bytes'], [[`/status (uPlot ${page.uplot} inlined)`, page.bytes.toLocaleString('en-US'), page.gzip.toLocaleString('en-US')]]))
  if (!values['skip-requests']) {
    // autocannon runs in this process: off the servers' CPU.
    pinProcess(process.pid, LOAD_CPU)
    console.log('')
    console.log(markdownTable(['Fastify app', 'server CPU µs/req', 'vs without the page'], await requestCpu(Math.max(5, Number(values.rounds)))))
  }
}

const serveIndex = process.argv.indexOf('--serve')
if (serveIndex !== -1) await serve(process.argv[serveIndex + 1])
else await main()
