// CPU cost of a scrape with host metrics, measured in the serving process.
// Run: flock /tmp/intervai-bench.lock node packages/system/bench/scrape.mjs   (after npx tsc -b packages/system)
// The server runs pinned to core 1 (taskset -c 1), this driver to core 0; variants alternate A B C per round.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import { fileURLToPath } from 'node:url'

const variant = process.argv[2]
if (variant === 'serve') await serve(process.argv[3])
else await drive()

async function serve(kind) {
  const { Registry, collectDefaultMetrics } = await import('prom-client')
  const { createMetrics } = await import('@intervai/metrics-core')
  const { collectSystemMetrics } = await import('@intervai/metrics-system')
  const registry = new Registry()
  const metrics = createMetrics({ registry })
  if (kind === 'system') collectSystemMetrics({ metrics })
  if (kind === 'prom-client-defaults') collectDefaultMetrics({ register: registry })
  const server = await metrics.serve({ port: 0 })
  process.stdout.write(`${server.port}\n`)
}

function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return Number(fields[11]) + Number(fields[12]) // utime + stime (fields 14 and 15 of the whole line)
}

async function start(kind) {
  const child = spawn('taskset', ['-c', '1', process.execPath, fileURLToPath(import.meta.url), 'serve', kind], { stdio: ['ignore', 'pipe', 'inherit'] })
  const port = await new Promise((resolve) => child.stdout.once('data', (d) => resolve(Number(String(d).trim()))))
  return { child, port }
}

async function scrapes(port, count) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  for (let i = 0; i < count; i++) {
    await new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/metrics', agent }, (res) => res.resume().on('end', resolve)).on('error', reject)
    })
  }
  agent.destroy()
}

async function drive() {
  const kinds = ['bare', 'system', 'prom-client-defaults']
  const rounds = Number(process.env.ROUNDS ?? 5)
  const count = Number(process.env.SCRAPES ?? 4000)
  const perScrape = Object.fromEntries(kinds.map((k) => [k, []]))
  for (let round = 0; round < rounds; round++) {
    for (const kind of kinds) {
      const { child, port } = await start(kind)
      await scrapes(port, 200) // warm-up: JIT, first-scrape allocations
      const before = cpuTicks(child.pid)
      await scrapes(port, count)
      const ticks = cpuTicks(child.pid) - before
      child.kill()
      perScrape[kind].push((ticks * 10_000) / count) // 100 ticks/s: µs per scrape
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
  const ratios = (kind) => perScrape[kind].map((us, i) => us / perScrape.bare[i])
  console.log(`${rounds} rounds x ${count} scrapes; CPU of the serving process per scrape (µs), median; ratio to bare = median of per-round ratios`)
  for (const kind of kinds) {
    console.log(`${kind.padEnd(22)} ${median(perScrape[kind]).toFixed(1).padStart(7)} µs   x${median(ratios(kind)).toFixed(2)}   rounds: ${perScrape[kind].map((v) => v.toFixed(0)).join(' ')}`)
  }
}
