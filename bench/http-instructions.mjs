// Instructions per request of a Fastify app, bare and instrumented, counted by valgrind's
// callgrind: deterministic, so it resolves the 1–3% differences that CPU time cannot on a
// shared machine (see packages/http/README.md).
//
//   npm run build && node bench/http-instructions.mjs [--variants bare,empty-hook,ours,fastify-metrics] [--warmup 4000] [--requests 5000] [--parallel 2]
//
// Variants: bare; empty-hook (one onRequest hook calling next()); empty-hooks (onRequest and
// onResponse); ours (@intervai/metrics-http); ours+onSend, ours+onResponse (ours and one more
// empty hook: what naming requests in a second hook would cost); fastify-metrics (histogram only).
//
// For each variant, a server (GET /hello/:id returning a small object, logger off) runs under
// callgrind and answers `warmup` requests from autocannon (its own process, 4 connections,
// 127.0.0.1) while V8 compiles what it needs; then the counters are zeroed
// (`callgrind_control -z`), it answers `requests` more, and the counters are dumped
// (`callgrind_control -d`): instructions per request = the dump's total / requests, with no
// startup in it. Threads are counted apart (`--separate-threads=yes`): `all threads` adds V8's
// background threads (optimizing compiler, GC helpers), whose work in the window depends on when
// V8 happens to (re)compile and so moves between runs by several thousand instructions per
// request; `main thread` is the JavaScript itself and the event loop. 4,000 requests of warm-up
// do not reach V8's steady state for every variant (see packages/http/README.md); `--warmup 12000`
// does. Each run is bounded (5 minutes, or 40 ms per request if longer); on timeout its server
// is killed. Without valgrind on PATH it says so and exits 0.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { markdownTable } from './lib/stats.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const BASE_PORT = 41_700

// The server, written to a temp dir. Imports resolve from the repository (built packages).
const SERVER = `
import { createRequire } from 'node:module'
const require = createRequire(${JSON.stringify(join(ROOT, 'package.json'))})
const Fastify = require('fastify')
const app = Fastify({ logger: false })
const variant = process.env.VARIANT
if (variant.startsWith('ours')) {
  const { Registry } = require('prom-client')
  const { createMetrics } = await import(require.resolve('@intervai/metrics-core'))
  const { fastifyHttpMetrics } = await import(require.resolve('@intervai/metrics-http/fastify'))
  await app.register(fastifyHttpMetrics, { metrics: createMetrics({ registry: new Registry() }) })
  // What one more hook of ours would cost (naming requests an earlier hook answered).
  if (variant === 'ours+onSend') app.addHook('onSend', (_request, _reply, payload, next) => next(null, payload))
  else if (variant === 'ours+onResponse') app.addHook('onResponse', (_request, _reply, next) => next())
  else if (variant !== 'ours') throw new Error('unknown variant ' + variant)
} else if (variant === 'fastify-metrics') {
  const fastifyMetrics = require('fastify-metrics')
  await app.register(fastifyMetrics.default ?? fastifyMetrics, {
    endpoint: '/metrics',
    defaultMetrics: { enabled: false },
    routeMetrics: { enabled: { histogram: true, summary: false } },
  })
} else if (variant === 'empty-hook') {
  app.addHook('onRequest', (_request, _reply, next) => next())
} else if (variant === 'empty-hooks') {
  app.addHook('onRequest', (_request, _reply, next) => next())
  app.addHook('onResponse', (_request, _reply, next) => next())
} else if (variant !== 'bare') {
  throw new Error('unknown variant ' + variant)
}
app.get('/hello/:id', (request) => ({ hello: request.params.id }))
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' })
console.log('ready')
`

const { values } = parseArgs({
  options: {
    variants: { type: 'string', default: 'bare,empty-hook,ours,fastify-metrics' },
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
const RUN_TIMEOUT_MS = Math.max(5 * 60_000, (warmup + requests) * 40)
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
    const child = spawn('valgrind', ['--tool=callgrind', '--separate-threads=yes', `--callgrind-out-file=${out}`, process.execPath, serverScript], {
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
      // One file per thread: `<out>.1-01` is the main thread.
      let all = 0
      let main
      for (const file of readdirSync(dir).filter((name) => name.startsWith(`cg.${variant}.1-`))) {
        const total = /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, file), 'utf8'))
        if (!total) throw new Error(`${variant}: no total in the callgrind dump ${file}`)
        all += Number(total[1])
        if (file.endsWith('.1-01')) main = Number(total[1])
      }
      if (main === undefined) throw new Error(`${variant}: no callgrind dump of the main thread`)
      return { all: all / requests, main: main / requests }
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
      console.error(`${variant}: ${Math.round(perRequest.all)} instructions per request (main thread ${Math.round(perRequest.main)})`)
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

const bare = results.get('bare')
const cells = (ir, base) => [ir === undefined ? 'failed' : Math.round(ir).toLocaleString('en-US'), ir === undefined || base === undefined ? '–' : `${(ir / base).toFixed(3)}×`]
const rows = variants.map((variant) => {
  const ir = results.get(variant)
  return [variant, ...cells(ir?.all, bare?.all), ...cells(ir?.main, bare?.main)]
})
console.log(`Instructions per request (callgrind Ir over ${requests} requests after ${warmup} of warm-up), Fastify GET /hello/:id\n`)
console.log(markdownTable(['variant', 'all threads /request', 'vs bare', 'main thread /request', 'vs bare'], rows))
process.exitCode = failed ? 1 : 0
