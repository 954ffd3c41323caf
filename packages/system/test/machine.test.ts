import { execFile } from 'node:child_process'
import { readFile, statfs } from 'node:fs/promises'
import { createConnection, createServer, type AddressInfo } from 'node:net'
import { promisify } from 'node:util'
import { Worker } from 'node:worker_threads'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { createMetrics, type Metrics } from '@intervai/metrics-core'
import { metricCatalog } from '@intervai/metrics-catalog'
import { collectSystemMetrics, type SystemMetricsHandle, type SystemMetricsOptions } from '../src/index.js'
import { sampleValue } from './fixtures.js'

// These tests compare with this machine's own figures, so they need Linux.
const linux = process.platform === 'linux'
const run = promisify(execFile)
const handles: SystemMetricsHandle[] = []
afterEach(() => {
  for (const handle of handles.splice(0)) handle.close()
})

function collect(metrics: Metrics, options: SystemMetricsOptions): void {
  handles.push(collectSystemMetrics({ metrics, ...options }))
}
const fresh = (): Metrics => createMetrics({ registry: new Registry() })
const scrape = async (metrics: Metrics): Promise<string> => (await metrics.render()).body

/** Runs `measure` until the machine's figure read before and after it is the same (other processes change it). */
async function whileStable<T>(read: () => Promise<string>, measure: () => Promise<T>): Promise<{ figure: string; result: T }> {
  for (let attempt = 1; ; attempt++) {
    const before = await read()
    const result = await measure()
    if ((await read()) === before || attempt === 50) return { figure: before, result }
  }
}

function procStatTimes(text: string): { busy: number; total: number; cores: number } {
  const ticks = (text.split('\n')[0] as string).trim().split(/\s+/).slice(1, 9).map(Number)
  const total = ticks.reduce((a, b) => a + b, 0)
  return { busy: total - (ticks[3] as number) - (ticks[4] as number), total, cores: text.split('\n').filter((l) => /^cpu\d/.test(l)).length }
}

describe.runIf(linux)('system readings agree with the machine', () => {
  it('reports the root filesystem utilization that fs.statfs gives and df rounds', async () => {
    const metrics = fresh()
    collect(metrics, { filesystems: ['/'] })
    const stats = async (): Promise<string> => JSON.stringify(await statfs('/'))
    const { figure, result } = await whileStable(stats, async () => {
      const value = sampleValue(await scrape(metrics), `${metricCatalog.system.filesystemUtilization.name}{mountpoint="/"}`)
      const { stdout } = await run('df', ['-P', '/'])
      return { value, df: (stdout.trim().split('\n')[1] as string).trim().split(/\s+/) }
    })
    const { blocks, bfree, bavail, bsize } = JSON.parse(figure) as { blocks: number; bfree: number; bavail: number; bsize: number }
    expect(result.value).toBe((blocks - bfree) / (blocks - bfree + bavail))
    // df -P columns: Filesystem 1024-blocks Used Available Capacity Mounted-on; Capacity rounds up.
    const [, , used, available, capacity] = result.df
    expect(Number(used)).toBe(((blocks - bfree) * bsize) / 1024)
    expect(Number(available)).toBe((bavail * bsize) / 1024)
    expect(`${Math.ceil((result.value as number) * 100)}%`).toBe(capacity)
  })

  it('reports memory utilization from /proc/meminfo', async () => {
    const metrics = fresh()
    collect(metrics, { filesystems: [], cgroupRoot: '/nonexistent' })
    const { figure, result } = await whileStable(
      () => readFile('/proc/meminfo', 'utf8'),
      async () => sampleValue(await scrape(metrics), metricCatalog.system.memoryUtilization.name),
    )
    const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(figure)?.[1])
    expect(result).toBe(1 - kb('MemAvailable') / kb('MemTotal'))
  })

  it('counts at least the bytes sent over 127.0.0.1 on the loopback device, both ways', async () => {
    const metrics = fresh()
    collect(metrics, { filesystems: [], networkDevices: ['lo'] })
    const series = (direction: string) => `${metricCatalog.system.networkIo.name}{device="lo",direction="${direction}"}`
    const payload = Buffer.alloc(1024 * 1024, 7)
    let received = 0
    const server = createServer((socket) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length
      })
      socket.on('end', () => socket.end())
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const before = await scrape(metrics)
    await new Promise<void>((resolve, reject) => {
      const client = createConnection((server.address() as AddressInfo).port, '127.0.0.1', () => client.end(payload))
      client.on('error', reject)
      client.on('close', () => resolve())
      client.resume()
    })
    await new Promise<void>((resolve) => server.close(() => resolve()))
    const after = await scrape(metrics)
    expect(received).toBe(payload.length)
    // Loopback: every byte sent is transmitted and received by lo, plus TCP/IP headers and anyone else's traffic.
    for (const direction of ['receive', 'transmit']) {
      const grown = (sampleValue(after, series(direction)) as number) - (sampleValue(before, series(direction)) as number)
      expect(grown).toBeGreaterThanOrEqual(payload.length)
    }
  })

  it('reports CPU utilization over the window in which the test keeps a core busy, as /proc/stat counts it', async () => {
    const metrics = fresh()
    collect(metrics, { filesystems: [], cgroupRoot: '/nonexistent' })
    const start = procStatTimes(await readFile('/proc/stat', 'utf8'))
    await scrape(metrics)
    const busy = new Worker('const end = Date.now() + 1000; while (Date.now() < end);', { eval: true })
    await new Promise((resolve) => busy.once('exit', resolve))
    const value = sampleValue(await scrape(metrics), metricCatalog.system.cpuUtilization.name) as number
    const end = procStatTimes(await readFile('/proc/stat', 'utf8'))
    // One of `cores` cores was busy for the whole window; other processes can only add to it.
    expect(value).toBeGreaterThanOrEqual(0.9 / start.cores)
    // The scrape's window sits inside the test's by a few ms out of 1000, a few ticks at most.
    expect(Math.abs(value - (end.busy - start.busy) / (end.total - start.total))).toBeLessThan(0.03)
  })
})
