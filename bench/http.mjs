// Server CPU per request of a Fastify app, bare and with three HTTP metrics instrumentations.
//
//   node bench/http.mjs [--rounds 7] [--requests 50000] [--connections 10] [--variants bare,ours,fastify-metrics,otel] [--skip-render]
//
// Extra variants break our overhead down: empty-hook (any onRequest hook), hook+close (plus a
// listener on the request's close), hook+close+now (plus a timestamp at both ends).
// Then runs bench/render.mjs (exposition time), unless --skip-render.
//
// Every variant runs in its own server process pinned to CPU 1 (all alive for the whole run,
// warmed up first); autocannon runs in this process pinned to CPU 0. Variants alternate
// A B C D for every round; the server's CPU time comes from /proc/<pid>/stat. Figures are
// medians of per-round ratios to `bare`.
import { spawnSync } from 'node:child_process'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { cpuMeter, CLOCK_TICKS_PER_SECOND } from './lib/cpu.mjs'
import { pinProcess, spawnPinned, HAS_TASKSET } from './lib/process.mjs'
import { alternate } from './lib/rounds.mjs'
import { fmt, fmtRatio, markdownTable, median, medianRatio } from './lib/stats.mjs'

const SERVER_CPU = 1
const LOAD_CPU = 0
const ALL_VARIANTS = ['bare', 'ours', 'fastify-metrics', 'otel']

/** Builds the app of one variant and returns a function that reads its request count back. */
async function buildVariant(variant) {
  if (variant === 'otel') {
    // The http module must be patched before Fastify loads it.
    const { MeterProvider } = await import('@opentelemetry/sdk-metrics')
    const { PrometheusExporter } = await import('@opentelemetry/exporter-prometheus')
    const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http')
    const { registerInstrumentations } = await import('@opentelemetry/instrumentation')
    const exporter = new PrometheusExporter({ preventServerStart: true })
    const meterProvider = new MeterProvider({ readers: [exporter] })
    registerInstrumentations({ instrumentations: [new HttpInstrumentation()], meterProvider })
    const app = await baseApp()
    addRoute(app)
    app.get('/metrics', (_request, reply) => {
      exporter.getMetricsRequestHandler(_request.raw, reply.raw)
      reply.hijack()
    })
    return { app, countOf: (text) => sumCounts(text, /^http_server_(?:request_)?duration(?:_seconds)?_count\{[^}]*\} (\d+)/gm) }
  }
  const app = await baseApp()
  if (variant === 'ours') {
    const { Registry } = await import('prom-client')
    const { createMetrics } = await import('@intervai/metrics-core')
    const { fastifyHttpMetrics } = await import('@intervai/metrics-http/fastify')
    await app.register(fastifyHttpMetrics, { metrics: createMetrics({ registry: new Registry() }), expose: true })
  } else if (variant === 'fastify-metrics') {
    const { default: fastifyMetrics } = await import('fastify-metrics')
    await app.register(fastifyMetrics, {
      endpoint: '/metrics',
      defaultMetrics: { enabled: false },
      routeMetrics: { enabled: { histogram: true, summary: false } },
    })
  } else if (variant === 'bare') {
    app.get('/metrics', (_request, reply) => reply.send(''))
  } else if (variant === 'empty-hook') {
    // Breakdown: what any onRequest hook costs in Fastify.
    app.addHook('onRequest', (_request, _reply, next) => next())
  } else if (variant === 'hook+close') {
    // Breakdown: a hook that also listens for the request's close.
    app.addHook('onRequest', (request, _reply, next) => {
      request.raw.on('close', () => {})
      next()
    })
  } else if (variant === 'hook+close+now') {
    // Breakdown: the same, taking a timestamp at both ends.
    let sink = 0
    app.addHook('onRequest', (request, _reply, next) => {
      const start = performance.now()
      request.raw.on('close', () => {
        sink += performance.now() - start
      })
      next()
    })
  } else {
    throw new Error(`unknown variant ${variant}`)
  }
  addRoute(app)
  return { app, countOf: (text) => sumCounts(text, /^http_request_duration_seconds_count\{[^}]*\} (\d+)|^http_server_request_duration_seconds_count\{[^}]*route="\/hello\/:id"[^}]*\} (\d+)/gm) }
}

async function baseApp() {
  const { default: Fastify } = await import('fastify')
  return Fastify({ logger: false })
}

function addRoute(app) {
  app.get('/hello/:id', (request) => ({ hello: request.params.id }))
}

function sumCounts(text, pattern) {
  let total = 0
  for (const match of text.matchAll(pattern)) total += Number(match[2] ?? match[1])
  return total
}

/** Child mode: serve one variant on 127.0.0.1 and report the port. */
async function serve(variant) {
  const { app, countOf } = await buildVariant(variant)
  await app.listen({ port: 0, host: '127.0.0.1' })
  process.on('message', async (message) => {
    if (message === 'count') {
      const response = await fetch(`http://127.0.0.1:${app.server.address().port}/metrics`)
      process.send({ count: countOf(await response.text()) })
    }
  })
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)))
  // The load process is gone (killed, crashed): do not outlive it.
  process.on('disconnect', () => process.exit(0))
  process.send({ port: app.server.address().port })
}

/** Sends `amount` requests (at `overallRate` req/s when given), or for `duration` seconds when amount is 0. */
async function load(autocannon, port, amount, connections, overallRate, duration) {
  const options = { url: `http://127.0.0.1:${port}/hello/42`, connections, pipelining: 1 }
  if (amount > 0) options.amount = amount
  else options.duration = duration
  if (overallRate) options.overallRate = overallRate
  return autocannon(options)
}

async function main() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '7' },
      requests: { type: 'string', default: '36000' },
      rate: { type: 'string', default: '6000' },
      'saturation-seconds': { type: 'string', default: '2' },
      connections: { type: 'string', default: '10' },
      variants: { type: 'string', default: ALL_VARIANTS.join(',') },
      'skip-render': { type: 'boolean', default: false },
    },
  })
  const rounds = Math.max(5, Number(values.rounds))
  const amount = Number(values.requests)
  const connections = Number(values.connections)
  const rate = Number(values.rate)
  const saturationSeconds = Number(values['saturation-seconds'])
  const variants = values.variants.split(',')
  if (variants[0] !== 'bare') throw new Error('the first variant must be bare (the baseline)')
  pinProcess(process.pid, LOAD_CPU)
  const { default: autocannon } = await import('autocannon')
  const script = fileURLToPath(import.meta.url)
  const servers = {}
  try {
    for (const variant of variants) {
      const started = await spawnPinned({ script, args: ['--serve', variant], cpu: SERVER_CPU })
      servers[variant] = { ...started, port: started.message.port }
    }
    for (const variant of variants) await load(autocannon, servers[variant].port, 20000, connections)
    const counted = Object.fromEntries(await Promise.all(variants.map(async (v) => [v, await countOf(servers[v].child)])))
    console.error(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
    console.error(`pinned: ${HAS_TASKSET ? `server CPU ${SERVER_CPU}, load CPU ${LOAD_CPU}` : 'no (taskset missing)'}; ` +
      `${rounds} rounds x ${variants.length} variants; each: ${amount} requests at ${rate} req/s (CPU, p99), then ${saturationSeconds} s ` +
      `as fast as possible (req/s); ${connections} connections; CLK_TCK ${CLOCK_TICKS_PER_SECOND}`)
    const results = await alternate({
      rounds,
      variants,
      run: async (variant) => {
        const { child, port } = servers[variant]
        // CPU per request is measured at one fixed request rate for every variant: how busy
        // the server is changes how many requests each event-loop turn handles, and so the
        // CPU each costs; at saturation that would depend on the load generator's CPU.
        const stop = cpuMeter(child.pid)
        const result = await load(autocannon, port, amount, connections, rate)
        const cpu = stop()
        const done = result.requests.total
        // autocannon ends runs on whole seconds, so throughput comes from a timed run.
        const saturated = await load(autocannon, port, 0, connections, undefined, saturationSeconds)
        for (const r of [result, saturated]) {
          if (r.non2xx > 0 || r.errors > 0) throw new Error(`${variant}: ${r.non2xx} non-2xx, ${r.errors} errors`)
        }
        const rps = saturated.requests.total / saturationSeconds
        return { cpuPerRequest: cpu.micros / done, rps, p99: result.latency.p99, ticks: cpu.ticks }
      },
      onResult: (variant, round, r) =>
        console.error(`round ${round + 1} ${variant.padEnd(16)} ${fmt(r.cpuPerRequest)} µs/req  ${fmt(r.rps, 0)} req/s  p99 ${r.p99} ms  (${r.ticks} ticks)`),
    })
    // Each variant must really have recorded the traffic it served.
    for (const variant of variants.slice(1)) {
      const after = await countOf(servers[variant].child)
      console.error(`${variant}: recorded ${after - counted[variant]} requests during the measured rounds`)
    }
    const base = results.bare
    const rows = variants.map((variant) => {
      const r = results[variant]
      const cpu = r.map((x) => x.cpuPerRequest)
      const rps = r.map((x) => x.rps)
      return [
        variant,
        fmt(median(cpu)),
        fmtRatio(medianRatio(cpu, base.map((x) => x.cpuPerRequest))),
        fmt(median(rps), 0),
        fmtRatio(medianRatio(rps, base.map((x) => x.rps))),
        fmt(median(r.map((x) => x.p99)), 1),
      ]
    })
    console.log(markdownTable(['variant', 'server CPU µs/req', 'CPU vs bare', 'max req/s', 'max req/s vs bare', `p99 ms at ${rate} req/s`], rows))
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()))
  }
  if (!values['skip-render']) {
    console.log('')
    const render = spawnSync(process.execPath, [fileURLToPath(new URL('./render.mjs', import.meta.url))], { stdio: 'inherit' })
    if (render.status !== 0) process.exitCode = 1
  }
}

function countOf(child) {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m.count))
    child.send('count')
  })
}

const serveIndex = process.argv.indexOf('--serve')
if (serveIndex !== -1) await serve(process.argv[serveIndex + 1])
else await main()
