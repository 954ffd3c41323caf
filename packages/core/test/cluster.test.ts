import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { parseExposition, valueOf } from '../../../test/support/exposition.js'

interface Running {
  child: ChildProcess
  appPort: number
  metricsUrl: string
  workers: number[]
}

const app = fileURLToPath(new URL('./fixtures/cluster-app.mjs', import.meta.url))
let running: Running | undefined

afterEach(async () => {
  if (!running) return
  const { child } = running
  running = undefined
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
})

async function startCluster(env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, [app], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`cluster app exited with ${code}`)))
  })
  running = { child, ...JSON.parse(line) }
  return running
}

/** Sends `count` requests, 10 at a time, and tallies which worker answered each. */
async function load(port: number, count: number): Promise<Record<string, number>> {
  const tally: Record<string, number> = {}
  for (let sent = 0; sent < count; sent += 10) {
    const batch = Array.from({ length: Math.min(10, count - sent) }, async () => {
      const worker = await (await fetch(`http://127.0.0.1:${port}/work`)).text()
      tally[worker] = (tally[worker] ?? 0) + 1
    })
    await Promise.all(batch)
  }
  return tally
}

async function scrape(url: string): Promise<number | undefined> {
  const parsed = parseExposition(await (await fetch(url)).text())
  return valueOf(parsed, 'app_requests_total', { route: '/work' })
}

describe('node:cluster aggregation', () => {
  it('serves from the primary the exact sum of two real workers', async () => {
    const { appPort, metricsUrl } = await startCluster()
    const tally = await load(appPort, 400)
    expect((tally['1'] ?? 0) + (tally['2'] ?? 0)).toBe(400)
    expect(await scrape(metricsUrl)).toBe(400)
  })

  it('leaves out a stalled worker instead of hanging the scrape', async () => {
    const { appPort, metricsUrl } = await startCluster({ STALL_SECOND_WORKER: '1' })
    const tally = await load(appPort, 200)
    expect(await scrape(metricsUrl)).toBe(tally['1'])
  })

  it('leaves out a worker that died', async () => {
    const { appPort, metricsUrl, workers } = await startCluster()
    const before = await load(appPort, 200)
    process.kill(workers[1] as number, 'SIGKILL')
    await new Promise((resolve) => setTimeout(resolve, 200))
    const after = await load(appPort, 100)
    const survivor = Object.keys(after)
    expect(survivor).toHaveLength(1)
    const id = survivor[0] as string
    expect(await scrape(metricsUrl)).toBe((before[id] ?? 0) + (after[id] ?? 0))
  })
})
