// Instructions per request of a Fastify app, bare and instrumented, counted by valgrind's
// callgrind: deterministic, so it resolves the 1–3% differences that CPU time cannot on a
// shared machine (see packages/http/README.md).
//
//   npm run build && node bench/http-instructions.mjs [--variants bare,ours,fastify-metrics] [--warmup 4000] [--requests 5000] [--parallel 2]
//
// For each variant, a server (GET /hello/:id returning a small object, logger off) runs under
// callgrind and answers `warmup` requests from autocannon (its own process, 4 connections,
// 127.0.0.1) while V8 compiles what it needs; then the counters are zeroed
// (`callgrind_control -z`), it answers `requests` more, and the counters are dumped
// (`callgrind_control -d`): instructions per request = the dump's total / requests, with no
// startup or compilation in it. Each run is bounded (5 minutes); on timeout its server is
// killed. Without valgrind on PATH it says so and exits 0.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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
app.get('/hello/:id', (request) => ({ hello: request.params.id }))
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
console.log('ready')
`

const { values } = parseArgs({
  options: {
    variants: { type: 'string', default: 'bare,ours,fastify-metrics' },
    warmup: { type: 'string', default: '4000' },
    requests: { type: 'string', default: '5000' },
    parallel: { type: 'string', default: '2' },
  },
})

if (spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).error) {
  console.log('valgrind is not on PATH: install it (apt-get install valgrind) to count instructions. Nothing measured.')
  process.exit(0)
}

const variants = values.variants.split(',').map((v) => v.trim()).filter(Boolean)
const warmup = Number(values.warmup)
const requests = Number(values.requests)
const dir = mkdtempSync(join(tmpdir(), 'http-instructions-'))
const serverScript = join(dir, 'server.mjs')
writeFileSync(serverScript, SERVER)

/** Sends `amount` requests from a separate autocannon process; resolves when it is done. */
function load(port, amount) {
  // Its own process: a load generator sharing the benchmark's would change how many requests
  // the server finds per event-loop turn, and so its instructions per request.
  const child = spawn(process.execPath, ['-e', `require('autocannon')({ url: 'http://127.0.0.1:${port}/hello/42', connections: 4, amount: ${amount} }, (error) => process.exit(error ? 1 : 0))`], {
    cwd: ROOT,
    stdio: 'ignore',
  })
  return new Promise((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`autocannon exited with ${code}`)))))
}

/** callgrind_control on one valgrind process. */
function control(flag, pid) {
  const result = spawnSync('callgrind_control', [flag, String(pid)], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`callgrind_control ${flag} ${pid} failed: ${result.stderr}`)
}

/** Runs one server under callgrind; resolves to its instructions per request after the warm-up. */
function measure(variant, port) {
  const out = join(dir, `cg.${variant}`)
  return new Promise((resolve, reject) => {
    const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, serverScript], {
      env: { ...process.env, VARIANT: variant, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    let started = false
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${variant}: no result within ${RUN_TIMEOUT_MS / 1000} s`))
    }, RUN_TIMEOUT_MS)
    const run = async () => {
      await load(port, warmup)
      control('-z', child.pid)
      await load(port, requests)
      control('-d', child.pid)
      const dump = readFileSync(`${out}.1`, 'utf8')
      const total = /^(?:summary|totals): (\d+)/m.exec(dump)
      if (!total) throw new Error(`${variant}: no total in the callgrind dump`)
      return Number(total[1]) / requests
    }
    const onData = (chunk) => {
      output += chunk
      if (!started && output.includes('ready')) {
        started = true
        run().then(
          (perRequest) => {
            clearTimeout(timer)
            child.kill('SIGKILL')
            resolve(perRequest)
          },
          (error) => {
            clearTimeout(timer)
            child.kill('SIGKILL')
            reject(error)
          },
        )
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('error', reject)
    child.on('close', () => {
      if (!started) reject(new Error(`${variant}: the server stopped before it was ready\n${output.slice(-2000)}`))
    })
  })
}

const jobs = [...variants]
const results = new Map()
let failed = false
const worker = async (slot) => {
  while (jobs.length > 0) {
    const variant = jobs.shift()
    try {
      const perRequest = await measure(variant, BASE_PORT + slot)
      results.set(variant, perRequest)
      console.error(`${variant}: ${Math.round(perRequest)} instructions per request`)
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

const perRequest = (variant) => results.get(variant)
const bare = perRequest('bare')
const rows = variants.map((variant) => {
  const ir = perRequest(variant)
  return [
    variant,
    ir === undefined ? 'failed' : Math.round(ir).toLocaleString('en-US'),
    ir === undefined || bare === undefined ? '–' : `${(ir / bare).toFixed(3)}×`,
  ]
})
console.log(`Instructions per request (callgrind Ir over ${requests} requests after ${warmup} of warm-up), Fastify GET /hello/:id\n`)
console.log(markdownTable(['variant', 'instructions/request', 'vs bare'], rows))
process.exitCode = failed ? 1 : 0
