// WebSocket overhead benchmark: server CPU per echoed message, bare ws vs instrumented.
//
//   npm run bench:ws            (ROUNDS, MESSAGES, CONNECTIONS, SIZE override the defaults)
//
// The echo server runs in its own process pinned to CPU 1, the client (this process) on CPU 0.
// Each round runs every variant once (A B C A B C ...); a variant's server is started fresh,
// warmed up, then its CPU time (utime + stime from /proc/<pid>/stat) is read around a fixed
// number of echoed messages. Reported: medians of the per-round ratios to the bare server.
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { WebSocket } from 'ws'
import { cpuMeter, CLOCK_TICKS_PER_SECOND } from './lib/cpu.mjs'
import { HAS_TASKSET, pinProcess, spawnPinned } from './lib/process.mjs'
import { alternate } from './lib/rounds.mjs'
import { fmt, fmtRatio, markdownTable, median, ratios } from './lib/stats.mjs'

const VARIANTS = ['bare', 'ours', 'prom-client']
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const MESSAGES = Number(process.env.MESSAGES ?? 200_000)
const WARMUP = Math.min(50_000, MESSAGES)
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 20)
const SIZE = Number(process.env.SIZE ?? 64)
const WINDOW = 16 // messages in flight per connection

if (process.argv[2] === '--server') await serve(process.argv[3])
else await main()

async function serve(variant) {
  const { WebSocketServer } = await import('ws')
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await once(wss, 'listening')
  if (variant === 'ours') {
    const { Registry } = await import('prom-client')
    const { createMetrics } = await import('@intervai/metrics-core')
    const { instrumentWebSocketServer } = await import('@intervai/metrics-ws')
    instrumentWebSocketServer(wss, { metrics: createMetrics({ registry: new Registry() }) })
  }
  let onMessage = () => {}
  if (variant === 'prom-client') {
    // What an app writes by hand: a prom-client counter and histogram per message, each way.
    const client = await import('prom-client')
    const registry = new client.Registry()
    const messages = new client.Counter({ name: 'ws_messages_total', help: 'm', labelNames: ['direction'], registers: [registry] })
    const sizes = new client.Histogram({
      name: 'ws_message_size_bytes', help: 's', labelNames: ['direction'], registers: [registry],
      buckets: [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304],
    })
    onMessage = (data) => {
      messages.inc({ direction: 'received' })
      sizes.observe({ direction: 'received' }, data.length)
      messages.inc({ direction: 'sent' })
      sizes.observe({ direction: 'sent' }, data.length)
    }
  }
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => {
      onMessage(data)
      ws.send(data, { binary: isBinary })
    })
  })
  process.send({ port: wss.address().port })
  process.on('SIGTERM', () => process.exit(0))
}

async function main() {
  pinProcess(process.pid, 0)
  const script = fileURLToPath(import.meta.url)
  const payload = 'x'.repeat(SIZE)
  console.log(`ws echo: ${CONNECTIONS} connections, ${SIZE}-byte text messages, ${MESSAGES} measured per round, ${ROUNDS} rounds, ` +
    `server on CPU 1, client on CPU 0${HAS_TASKSET ? '' : ' (taskset missing: NOT pinned)'}`)

  const results = await alternate({
    rounds: ROUNDS,
    variants: VARIANTS,
    run: async (variant) => {
      const { child, message, stop } = await spawnPinned({ script, args: ['--server', variant], cpu: 1 })
      try {
        const clients = await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
          const ws = new WebSocket(`ws://127.0.0.1:${message.port}`)
          await once(ws, 'open')
          return ws
        }))
        await echo(clients, payload, WARMUP)
        const stopMeter = cpuMeter(child.pid)
        await echo(clients, payload, MESSAGES)
        const { ticks, micros } = stopMeter()
        for (const ws of clients) ws.terminate()
        return { ticks, perMessage: micros / MESSAGES }
      } finally {
        await stop()
      }
    },
    onResult: (variant, round, r) => console.log(`round ${round + 1} ${variant.padEnd(12)} ${fmt(r.perMessage)} µs/message (${r.ticks} ticks)`),
  })

  const bare = results.bare.map((r) => r.perMessage)
  const rows = VARIANTS.map((variant) => {
    const per = results[variant].map((r) => r.perMessage)
    return [variant, fmt(median(per)), variant === 'bare' ? '1.00×' : fmtRatio(median(ratios(per, bare)), 3), per.map((v) => fmt(v)).join(' ')]
  })
  console.log(`\nServer CPU per echoed message (clock tick = ${fmt(1000 / CLOCK_TICKS_PER_SECOND, 0)} ms)\n`)
  console.log(markdownTable(['variant', 'µs / message (median)', 'ratio to bare (median of per-round ratios)', 'per round (µs)'], rows))
}

// Sends `total` messages spread over the clients, WINDOW in flight per client, each answered by an echo.
async function echo(clients, payload, total) {
  let sent = 0
  let received = 0
  await new Promise((resolve) => {
    for (const ws of clients) {
      const onMessage = () => {
        received++
        if (sent < total) {
          sent++
          ws.send(payload)
        } else if (received === total) {
          for (const c of clients) c.removeAllListeners('message')
          resolve()
        }
      }
      ws.on('message', onMessage)
      for (let i = 0; i < WINDOW && sent < total; i++) {
        sent++
        ws.send(payload)
      }
    }
  })
}
