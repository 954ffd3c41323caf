// Time to render /metrics holding 1,000 and 10,000 histogram series: @intervai/metrics-core
// against plain prom-client (the same histogram, labels, buckets and observations).
//
//   node bench/render.mjs [--rounds 7]
//
// Both run in this process, pinned to CPU 1, alternating A B A B for every round; the figure
// is the process CPU time of one render (process.cpuUsage), median over rounds, and the
// speed-up is the median of per-round ratios.
import { parseArgs } from 'node:util'
import { pinProcess, HAS_TASKSET } from './lib/process.mjs'
import { alternate } from './lib/rounds.mjs'
import { fmt, markdownTable, median, medianRatio } from './lib/stats.mjs'

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10]
const METHODS = ['GET', 'POST', 'PUT', 'DELETE']
const STATUSES = ['200', '201', '400', '404', '500']

function labelSets(count) {
  const sets = []
  for (let i = 0; sets.length < count; i++) {
    for (const method of METHODS) {
      for (const status of STATUSES) {
        if (sets.length < count) sets.push([method, `/api/v1/resource${i}/:id`, status])
      }
    }
  }
  return sets
}

async function ours(count) {
  const { Registry } = await import('prom-client')
  const { createMetrics } = await import('@intervai/metrics-core')
  const metrics = createMetrics({ registry: new Registry() })
  const h = metrics.histogram({ name: 'http_server_request_duration_seconds', help: 'Duration', labelNames: ['method', 'route', 'status_code'], buckets: BUCKETS })
  labelSets(count).forEach(([m, r, s], i) => {
    const series = h.labels(m, r, s)
    series.observe((i % 100) / 1000)
    series.observe((i % 7) / 10)
  })
  return async () => (await metrics.render()).body
}

async function promClient(count) {
  const { Registry, Histogram } = await import('prom-client')
  const registry = new Registry()
  const h = new Histogram({ name: 'http_server_request_duration_seconds', help: 'Duration', labelNames: ['method', 'route', 'status_code'], buckets: BUCKETS, registers: [registry] })
  labelSets(count).forEach(([m, r, s], i) => {
    const series = h.labels(m, r, s)
    series.observe((i % 100) / 1000)
    series.observe((i % 7) / 10)
  })
  return () => registry.metrics()
}

async function timeRender(render, times) {
  const start = process.cpuUsage()
  let bytes = 0
  for (let i = 0; i < times; i++) bytes += (await render()).length
  const used = process.cpuUsage(start)
  return { ms: (used.user + used.system) / 1000 / times, bytes: bytes / times }
}

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } })
const rounds = Math.max(5, Number(values.rounds))
pinProcess(process.pid, 1)
console.error(`pinned: ${HAS_TASKSET ? 'CPU 1' : 'no (taskset missing)'}; ${rounds} rounds`)
const rows = []
for (const count of [1000, 10000]) {
  const renderers = { ours: await ours(count), 'prom-client': await promClient(count) }
  const times = count === 1000 ? 20 : 4
  const sizes = {}
  for (const [name, render] of Object.entries(renderers)) {
    const body = await render()
    sizes[name] = body.split('\n').filter((line) => line.startsWith('http_server_request_duration_seconds_count')).length
    await timeRender(render, 2)
  }
  if (sizes.ours !== count || sizes['prom-client'] !== count) throw new Error(`series rendered: ${JSON.stringify(sizes)}, expected ${count}`)
  const results = await alternate({
    rounds,
    variants: ['ours', 'prom-client'],
    run: (name) => timeRender(renderers[name], times),
    onResult: (name, round, r) => console.error(`${count} series, round ${round + 1}, ${name.padEnd(11)} ${fmt(r.ms)} ms/render`),
  })
  const ourMs = results.ours.map((r) => r.ms)
  const theirMs = results['prom-client'].map((r) => r.ms)
  rows.push([count.toLocaleString('en'), fmt(median(ourMs)), fmt(median(theirMs)), `${fmt(medianRatio(theirMs, ourMs), 1)}×`])
}
console.log(markdownTable(['histogram series', 'ours ms/render', 'prom-client ms/render', 'speed-up'], rows))
