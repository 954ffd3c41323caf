import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { createMetrics, type Metrics } from '@intervai/metrics-core'
import { metricCatalog } from '@intervai/metrics-catalog'
import { collectSystemMetrics, type SystemMetricsHandle, type SystemMetricsOptions } from '../src/index.js'
import { fakeTree, meminfo, netDev, procStat, sampleValue, samplesOf, type FakeTree } from './fixtures.js'

const NET = metricCatalog.system.networkIo.name
const trees: FakeTree[] = []
const handles: SystemMetricsHandle[] = []

afterEach(async () => {
  for (const handle of handles.splice(0)) handle.close()
  await Promise.all(trees.splice(0).map((t) => t.destroy()))
})

async function fakeProc(devices: Record<string, [number, number]>): Promise<FakeTree> {
  const tree = await fakeTree({
    stat: procStat(100, 0, 50, 800, 50, 0, 0, 0, 0, 0),
    meminfo: meminfo(16_000_000, 4_000_000),
    'net/dev': netDev(devices),
  })
  trees.push(tree)
  return tree
}

function collect(options: SystemMetricsOptions): SystemMetricsHandle {
  const handle = collectSystemMetrics({ cgroupRoot: '/nonexistent', filesystems: [], ...options })
  handles.push(handle)
  return handle
}

const fresh = (): Metrics => createMetrics({ registry: new Registry() })
const scrape = async (metrics: Metrics): Promise<string> => (await metrics.render()).body
const bytes = (body: string, device: string, direction: string): number | undefined =>
  sampleValue(body, `${NET}{device="${device}",direction="${direction}"}`)

describe('collectSystemMetrics with fixture files', () => {
  it('reports CPU and memory utilization read at scrape time', async () => {
    const proc = await fakeProc({})
    const metrics = fresh()
    collect({ metrics, procRoot: proc.root })
    await proc.write('stat', procStat(400, 0, 100, 1400, 100, 0, 0, 0, 0, 0))
    await proc.write('meminfo', meminfo(16_000_000, 12_000_000))
    const body = await scrape(metrics)
    expect(sampleValue(body, metricCatalog.system.cpuUtilization.name)).toBe(0.35)
    expect(sampleValue(body, metricCatalog.system.memoryUtilization.name)).toBe(0.25)
  })

  it('reports memory relative to a cgroup v2 limit when one is set', async () => {
    const proc = await fakeProc({})
    await proc.write('self/cgroup', '0::/app\n')
    const cgroup = await fakeTree({
      'cgroup.controllers': '',
      'app/memory.max': '1000000\n',
      'app/memory.current': '700000\n',
      'app/memory.stat': 'inactive_file 100000\n',
    })
    trees.push(cgroup)
    const metrics = fresh()
    collect({ metrics, procRoot: proc.root, cgroupRoot: cgroup.root })
    expect(sampleValue(await scrape(metrics), metricCatalog.system.memoryUtilization.name)).toBe(0.6)
  })

  it('mirrors the kernel byte totals of every device but loopback by default', async () => {
    const proc = await fakeProc({ lo: [500, 600], eth0: [1000, 2000], eth1: [30, 40] })
    const metrics = fresh()
    collect({ metrics, procRoot: proc.root })
    const body = await scrape(metrics)
    expect(samplesOf(body, NET)).toEqual([
      `${NET}{device="eth0",direction="receive"} 1000`,
      `${NET}{device="eth0",direction="transmit"} 2000`,
      `${NET}{device="eth1",direction="receive"} 30`,
      `${NET}{device="eth1",direction="transmit"} 40`,
    ])
  })

  it('counts only the named devices, loopback included when named', async () => {
    const proc = await fakeProc({ lo: [500, 600], eth0: [1000, 2000] })
    const metrics = fresh()
    collect({ metrics, procRoot: proc.root, networkDevices: ['lo'] })
    expect(samplesOf(await scrape(metrics), NET)).toEqual([
      `${NET}{device="lo",direction="receive"} 500`,
      `${NET}{device="lo",direction="transmit"} 600`,
    ])
  })

  it('grows the counter by what the kernel counted between scrapes', async () => {
    const proc = await fakeProc({ eth0: [1000, 2000] })
    const metrics = fresh()
    collect({ metrics, procRoot: proc.root })
    await scrape(metrics)
    await proc.write('net/dev', netDev({ eth0: [1500, 2100] }))
    const body = await scrape(metrics)
    expect(bytes(body, 'eth0', 'receive')).toBe(1500)
    expect(bytes(body, 'eth0', 'transmit')).toBe(2100)
  })

  it('keeps the counter rising when a re-created device starts its total again from zero', async () => {
    const proc = await fakeProc({ eth0: [1000, 2000] })
    const metrics = fresh()
    collect({ metrics, procRoot: proc.root })
    await scrape(metrics)
    await proc.write('net/dev', netDev({ eth0: [300, 50] }))
    const body = await scrape(metrics)
    expect(bytes(body, 'eth0', 'receive')).toBe(1300)
    expect(bytes(body, 'eth0', 'transmit')).toBe(2050)
  })

  it('removes the series of a device that went away', async () => {
    const proc = await fakeProc({ eth0: [1000, 2000], veth1: [5, 6] })
    const metrics = fresh()
    collect({ metrics, procRoot: proc.root })
    await scrape(metrics)
    await proc.write('net/dev', netDev({ eth0: [1000, 2000] }))
    expect(samplesOf(await scrape(metrics), NET)).toEqual([
      `${NET}{device="eth0",direction="receive"} 1000`,
      `${NET}{device="eth0",direction="transmit"} 2000`,
    ])
  })

  it('gives at most maxNetworkDevices devices series, and a freed slot to the next device', async () => {
    const proc = await fakeProc({ eth0: [1, 2], veth1: [3, 4], veth2: [5, 6] })
    const metrics = fresh()
    collect({ metrics, procRoot: proc.root, maxNetworkDevices: 2 })
    expect(samplesOf(await scrape(metrics), NET).map((line) => line.split('"')[1])).toEqual(['eth0', 'eth0', 'veth1', 'veth1'])
    await proc.write('net/dev', netDev({ eth0: [1, 2], veth2: [5, 6] }))
    expect(samplesOf(await scrape(metrics), NET).map((line) => line.split('"')[1])).toEqual(['eth0', 'eth0', 'veth2', 'veth2'])
  })

  it('counts bytes once when two handles collect on one registry', async () => {
    const proc = await fakeProc({ eth0: [1000, 2000] })
    const metrics = fresh()
    collect({ metrics, procRoot: proc.root })
    collect({ metrics: createMetrics({ registry: metrics.registry }), procRoot: proc.root })
    await scrape(metrics)
    await proc.write('net/dev', netDev({ eth0: [1700, 2000] }))
    expect(bytes(await scrape(metrics), 'eth0', 'receive')).toBe(1700)
  })

  it('reports network bytes through prom-client registry.metrics() too', async () => {
    const proc = await fakeProc({ eth0: [1000, 2000] })
    const metrics = fresh()
    collect({ metrics, procRoot: proc.root })
    expect(bytes(await metrics.registry.metrics(), 'eth0', 'transmit')).toBe(2000)
  })

  it('leaves a metric out when this platform has no reading for it', async () => {
    const proc = await fakeTree({})
    trees.push(proc)
    const metrics = fresh()
    const handle = collect({ metrics, procRoot: proc.root, filesystems: ['/nonexistent/mount'] })
    const body = await scrape(metrics)
    expect({ cpu: handle.cpuSource, memory: handle.memory, network: handle.network }).toEqual({ cpu: 'os', memory: false, network: false })
    expect(body).not.toContain(metricCatalog.system.memoryUtilization.name)
    expect(samplesOf(body, NET)).toEqual([])
    expect(samplesOf(body, metricCatalog.system.filesystemUtilization.name)).toEqual([])
    expect(samplesOf(body, 'instrumentation_errors_total')).toEqual([])
  })

  it('counts readings that fail at scrape time, keeps the counter series and leaves the gauge out', async () => {
    const proc = await fakeProc({ eth0: [1000, 2000] })
    const metrics = fresh()
    collect({ metrics, procRoot: proc.root })
    await scrape(metrics)
    await proc.remove('net/dev')
    await proc.remove('meminfo')
    const body = await scrape(metrics)
    expect(sampleValue(body, 'instrumentation_errors_total{component="system"}')).toBe(2)
    // A counter that vanished and came back would read as a reset; a stale gauge would mislead.
    expect(bytes(body, 'eth0', 'receive')).toBe(1000)
    expect(samplesOf(body, metricCatalog.system.memoryUtilization.name)).toEqual([])
  })

  it('removes its collectors and series on close', async () => {
    const proc = await fakeProc({ eth0: [1000, 2000] })
    const metrics = fresh()
    const handle = collect({ metrics, procRoot: proc.root, filesystems: ['/'] })
    await scrape(metrics)
    handle.close()
    const body = await scrape(metrics)
    expect(body).not.toContain(metricCatalog.system.cpuUtilization.name)
    expect(body).not.toContain(metricCatalog.system.memoryUtilization.name)
    expect(samplesOf(body, metricCatalog.system.filesystemUtilization.name)).toEqual([])
    expect(samplesOf(body, NET)).toEqual([])
    expect(Object.hasOwn(metrics.counter({ name: NET, help: 'x', labelNames: ['device', 'direction'] }), 'collect')).toBe(false)
  })

  it('keeps the figures of a second handle when the first one closes', async () => {
    const proc = await fakeProc({ eth0: [1000, 2000] })
    const metrics = fresh()
    const first = collect({ metrics, procRoot: proc.root })
    collect({ metrics, procRoot: proc.root })
    await scrape(metrics)
    first.close()
    await proc.write('meminfo', meminfo(16_000_000, 8_000_000))
    await proc.write('net/dev', netDev({ eth0: [1200, 2000] }))
    const body = await scrape(metrics)
    expect(sampleValue(body, metricCatalog.system.memoryUtilization.name)).toBe(0.5)
    expect(bytes(body, 'eth0', 'receive')).toBe(1200)
  })

  it('collects again after close and collect (enable, disable, enable)', async () => {
    const proc = await fakeProc({ eth0: [1000, 2000] })
    const metrics = fresh()
    collect({ metrics, procRoot: proc.root }).close()
    collect({ metrics, procRoot: proc.root })
    const body = await scrape(metrics)
    expect(sampleValue(body, metricCatalog.system.memoryUtilization.name)).toBe(0.75)
    expect(bytes(body, 'eth0', 'receive')).toBe(1000)
  })
})

describe('options', () => {
  it.each([
    [{ filesystems: 'root' }, /option "filesystems" must be an array of at most 64 absolute paths \(got "root"\)/],
    [{ filesystems: ['data'] }, /option "filesystems" must be absolute paths \(got \["data"\]\)/],
    [{ networkDevices: ['eth0', 'a/b'] }, /option "networkDevices" must be device names .* \(got \["eth0","a\/b"\]\)/],
    [{ maxNetworkDevices: 0 }, /option "maxNetworkDevices" must be a whole number from 1 to 1000 \(got 0\)/],
    [{ maxNetworkDevices: 2.5 }, /option "maxNetworkDevices" must be a whole number from 1 to 1000 \(got 2.5\)/],
    [{ procRoot: '' }, /option "procRoot" must be a non-empty string \(got ""\)/],
    [{ metrics: {} }, /option "metrics" must be the object createMetrics\(\) returns/],
    [{ filesystem: ['/'] }, /option "filesystem" must be one of the options \(metrics, prefix, filesystems, /],
  ])('rejects %j at setup with an error naming the option', (options, message) => {
    expect(() => collectSystemMetrics(options as SystemMetricsOptions)).toThrow(TypeError)
    expect(() => collectSystemMetrics(options as SystemMetricsOptions)).toThrow(message)
  })

  it('rejects a prefix that is not the prefix of metrics', () => {
    const metrics = createMetrics({ registry: new Registry(), prefix: 'app_' })
    expect(() => collectSystemMetrics({ metrics, prefix: 'other_' })).toThrow(/option "prefix" must be the prefix of "metrics" \("app_"\), or left out \(got "other_"\)/)
  })

  it('accepts prefix when it is the prefix of metrics', async () => {
    const proc = await fakeProc({ eth0: [1000, 2000] })
    const metrics = createMetrics({ registry: new Registry(), prefix: 'app_' })
    collect({ metrics, prefix: 'app_', procRoot: proc.root })
    expect(bytes(await scrape(metrics), 'eth0', 'receive')).toBeUndefined()
    expect(sampleValue(await scrape(metrics), `app_${NET}{device="eth0",direction="receive"}`)).toBe(1000)
  })
})
