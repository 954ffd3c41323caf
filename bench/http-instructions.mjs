// Instructions per request of a Fastify app, bare and instrumented, counted by valgrind's
// callgrind: deterministic, so it resolves the 1–3% differences that CPU time cannot on a
// shared machine (see packages/http/README.md).
//
//   npm run build && node bench/http-instructions.mjs [--variants bare,ours,fastify-metrics] [--small 2500] [--large 8000] [--parallel 2]
//
// For each variant, a server (GET /hello/:id returning a small object, logger off) runs under
// callgrind, answers N requests from autocannon (its own process, 4 connections, 127.0.0.1)
// and exits. Startup
// and warm-up cancel out: instructions per request = (Ir at the large N − Ir at the small N)
// / (large − small). Each run is bounded (5 minutes); on timeout its server is killed.
// Without valgrind on PATH it says so and exits 0.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { markdownTable } from './lib/stats.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const RUN_TIMEOUT_MS = 5 * 60_000
const BASE_PORT = 41_700

// The server, written to a temp dir. Imports resolve from the repository (built packages).
const SERVER = `
import { createRequire } from 'node:module'
const require = createRequire(${JSON.stringify(join(ROOT, 'package.json'))})
const Fastify = require('fastify')
const app = Fastify({ logger: false })
const variant = process.env.VARIANT
if (variant === 'ours') {
  const { Registry } = require('prom-client')
  const { createMetrics } = await import(require.resolve('@intervai/metrics-core'))
  const { fastifyHttpMetrics } = await import(require.resolve('@intervai/metrics-http'))
  await app.register(fastifyHttpMetrics, { metrics: createMetrics({ registry: new Registry() }) })
} else if (variant === 'fastify-metrics') {
  const fastifyMetrics = require('fastify-metrics')
  await app.register(fastifyMetrics.default ?? fastifyMetrics, {
    endpoint: '/metrics',
    defaultMetrics: { enabled: false },
    routeMetrics: { enabled: { histogram: true, summary: false } },
  })
} else if (variant === 'empty-hook') {
  app.addHook('onRequest', (_request, _reply, next) => next())
} else if (variant !== 'bare') {
  throw new Error('unknown variant ' + variant)
}
let handled = 0
const limit = Number(process.env.N)
app.get('/hello/:id', (request) => {
  if (++handled === limit) setTimeout(() => process.exit(0), 200)
  return { hello: request.params.id }
})
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
console.log('ready')
`

const { values } = parseArgs({
  options: {
    variants: { type: 'string', default: 'bare,ours,fastify-metrics' },
    small: { type: 'string', default: '2500' },
    large: { type: 'string', default: '8000' },
    parallel: { type: 'string', default: '2' },
  },
})

if (spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).error) {
  console.log('valgrind is not on PATH: install it (apt-get install valgrind) to count instructions. Nothing measured.')
  process.exit(0)
}

const variants = values.variants.split(',').map((v) => v.trim()).filter(Boolean)
const small = Number(values.small)
const large = Number(values.large)
const dir = mkdtempSync(join(tmpdir(), 'http-instructions-'))
const serverScript = join(dir, 'server.mjs')
writeFileSync(serverScript, SERVER)

/** Runs one server under callgrind for `n` requests; resolves to its total instructions (Ir). */
function measure(variant, n, port) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'valgrind',
      ['--tool=callgrind', `--callgrind-out-file=${join(dir, `cg.${variant}.${n}`)}`, process.execPath, serverScript],
      { env: { ...process.env, VARIANT: variant, N: String(n), PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    let loading = false
    let load
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      load?.kill('SIGKILL')
      reject(new Error(`${variant} N=${n}: no result within ${RUN_TIMEOUT_MS / 1000} s`))
    }, RUN_TIMEOUT_MS)
    const onData = (chunk) => {
      output += chunk
      if (!loading && output.includes('ready')) {
        loading = true
        // Its own process, as a load generator sharing this one would change how many
        // requests the server finds per event-loop turn, and so its instructions per request.
        load = spawn(process.execPath, ['-e', `require('autocannon')({ url: 'http://127.0.0.1:${port}/hello/42', connections: 4, amount: ${n} }, () => {})`], {
          cwd: ROOT,
          stdio: 'ignore',
        })
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('error', reject)
    child.on('close', () => {
      clearTimeout(timer)
      load?.kill()
      const collected = /Collected : (\d+)/.exec(output)
      if (collected) resolve(Number(collected[1]))
      else reject(new Error(`${variant} N=${n}: callgrind printed no total\n${output.slice(-2000)}`))
    })
  })
}

const jobs = variants.flatMap((variant) => [small, large].map((n) => ({ variant, n })))
const totals = new Map()
let next = 0
let failed = false
const worker = async (slot) => {
  while (next < jobs.length) {
    const { variant, n } = jobs[next++]
    try {
      const ir = await measure(variant, n, BASE_PORT + slot)
      totals.set(`${variant} ${n}`, ir)
      console.error(`${variant} N=${n}: ${ir} instructions`)
    } catch (error) {
      failed = true
      console.error(error.message)
    }
  }
}
try {
  await Promise.all(Array.from({ length: Math.max(1, Number(values.parallel)) }, (_, slot) => worker(slot)))
} finally {
  rmSync(dir, { recursive: true, force: true })
}

const perRequest = (variant) => {
  const a = totals.get(`${variant} ${small}`)
  const b = totals.get(`${variant} ${large}`)
  return a === undefined || b === undefined ? undefined : (b - a) / (large - small)
}
const bare = perRequest('bare')
const rows = variants.map((variant) => {
  const ir = perRequest(variant)
  return [
    variant,
    ir === undefined ? 'failed' : Math.round(ir).toLocaleString('en-US'),
    ir === undefined || bare === undefined ? '–' : `${(ir / bare).toFixed(3)}×`,
  ]
})
console.log(`Instructions per request (callgrind Ir, (N=${large} − N=${small}) / ${large - small}), Fastify GET /hello/:id\n`)
console.log(markdownTable(['variant', 'instructions/request', 'vs bare'], rows))
process.exitCode = failed ? 1 : 0
