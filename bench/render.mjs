// Time to render /metrics holding 1,000 and 10,000 histogram series: @intervai/metrics-core
// against plain prom-client (the same histogram, labels, buckets and observations), once with
// every series observed again between renders (nothing cached: the goal is <= 50 ms for
// 10,000) and once unchanged (ours serves cached text).
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
  const all = labelSets(count).map(([m, r, s], i) => {
    const series = h.labels(m, r, s)
    series.observe((i % 100) / 1000)
    series.observe((i % 7) / 10)
    return series
  })
  return { render: async () => (await metrics.render()).body, touch: (round) => all.forEach((s, i) => s.observe(((i + round) % 9) / 10)) }
}

async function promClient(count) {
  const { Registry, Histogram } = await import('prom-client')
  const registry = new Registry()
  const h = new Histogram({ name: 'http_server_request_duration_seconds', help: 'Duration', labelNames: ['method', 'route', 'status_code'], buckets: BUCKETS, registers: [registry] })
  const all = labelSets(count).map(([m, r, s], i) => {
    const series = h.labels(m, r, s)
    series.observe((i % 100) / 1000)
    series.observe((i % 7) / 10)
    return series
  })
  return { render: () => registry.metrics(), touch: (round) => all.forEach((s, i) => s.observe(((i + round) % 9) / 10)) }
}

/** CPU time of `times` renders; with `changed`, every series is observed again before each one (not timed). */
async function timeRender({ render, touch }, times, changed) {
  let micros = 0
  for (let i = 0; i < times; i++) {
    if (changed) touch(i)
    const start = process.cpuUsage()
    await render()
    const used = process.cpuUsage(start)
    micros += used.user + used.system
  }
  return { ms: micros / 1000 / times }
}

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '7' } } })
const rounds = Math.max(5, Number(values.rounds))
pinProcess(process.pid, 1)
console.error(`pinned: ${HAS_TASKSET ? 'CPU 1' : 'no (taskset missing)'}; ${rounds} rounds`)
const rows = []
for (const count of [1000, 10000]) {
  const renderers = { ours: await ours(count), 'prom-client': await promClient(count) }
  const times = count === 1000 ? 20 : 4
  for (const [name, renderer] of Object.entries(renderers)) {
    const body = await renderer.render()
    const rendered = body.split('\n').filter((line) => line.startsWith('http_server_request_duration_seconds_count')).length
    if (rendered !== count) throw new Error(`${name} rendered ${rendered} series, expected ${count}`)
    await timeRender(renderer, 2, true)
  }
  for (const changed of [true, false]) {
    const mode = changed ? 'every series changed' : 'unchanged'
    const results = await alternate({
      rounds,
      variants: ['ours', 'prom-client'],
      run: (name) => timeRender(renderers[name], times, changed),
      onResult: (name, round, r) => console.error(`${count} series ${mode}, round ${round + 1}, ${name.padEnd(11)} ${fmt(r.ms)} ms/render`),
    })
    const ourMs = results.ours.map((r) => r.ms)
    const theirMs = results['prom-client'].map((r) => r.ms)
    rows.push([count.toLocaleString('en'), mode, fmt(median(ourMs)), fmt(median(theirMs)), `${fmt(medianRatio(theirMs, ourMs), 1)}×`])
  }
}
console.log(markdownTable(['histogram series', 'since the last scrape', 'ours ms/render', 'prom-client ms/render', 'speed-up'], rows))
