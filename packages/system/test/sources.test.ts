import { mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { metricCatalog } from '@intervai/metrics-catalog'
import { createMetrics, type Metrics } from '@intervai/metrics-core'
import { collectSystemMetrics, type SystemMetricsHandle, type SystemMetricsOptions } from '../src/index.js'
import { fakeTree, meminfo, netDev, procStat, sampleValue, samplesOf, type FakeTree } from './fixtures.js'

const { cpuUtilization, memoryUtilization, filesystemUtilization, networkIo } = metricCatalog.system
const ERRORS = 'instrumentation_errors_total{component="system"}'
const trees: FakeTree[] = []
const dirs: string[] = []
const handles: SystemMetricsHandle[] = []

afterEach(async () => {
  vi.restoreAllMocks()
  for (const handle of handles.splice(0)) handle.close()
  await Promise.all(trees.splice(0).map((t) => t.destroy()))
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

/** A procfs whose CPU figure over the next window is 0.35 once `busier()` is called, with memory at 0.75. */
async function fakeProc(): Promise<FakeTree & { busier(): Promise<void> }> {
  const tree = await fakeTree({
    stat: procStat(100, 0, 50, 800, 50, 0, 0, 0, 0, 0),
    meminfo: meminfo(16_000_000, 4_000_000),
    'net/dev': netDev({ eth0: [1000, 2000] }),
  })
  trees.push(tree)
  return Object.assign(tree, { busier: () => tree.write('stat', procStat(400, 0, 100, 1400, 100, 0, 0, 0, 0, 0)) })
}

function collect(options: SystemMetricsOptions): SystemMetricsHandle {
  const handle = collectSystemMetrics({ cgroupRoot: '/nonexistent', filesystems: [], ...options })
  handles.push(handle)
  return handle
}

const fresh = (): Metrics => createMetrics({ registry: new Registry(), onError: () => {} })
const scrape = async (metrics: Metrics): Promise<string> => (await metrics.render()).body
const warningsOf = (spy: { mock: { calls: unknown[][] } }): unknown[] =>
  spy.mock.calls.map((call) => (call[1] as { code?: string } | undefined)?.code).filter((code) => code === 'INTERVAI_METRICS_INSTRUMENTED_TWICE')

describe('a source that fails at scrape time', () => {
  it.each([
    ['meminfo', memoryUtilization.name],
    ['stat', cpuUtilization.name],
  ])('leaves its gauge out when /proc/%s disappears, counts it once per scrape, and reports it again once the file is back', async (file, name) => {
    const proc = await fakeProc()
    const metrics = fresh()
    collect({ metrics, procRoot: proc.root })
    await scrape(metrics)
    const text = file === 'stat' ? procStat(400, 0, 100, 1400, 100, 0, 0, 0, 0, 0) : meminfo(16_000_000, 8_000_000)
    await proc.remove(file)

    const failed = await scrape(metrics)
    expect(samplesOf(failed, name)).toEqual([])
    expect(sampleValue(failed, ERRORS)).toBe(1)
    expect(sampleValue(failed, `${networkIo.name}{device="eth0",direction="receive"}`)).toBe(1000)

    await proc.write(file, text)
    const back = await scrape(metrics)
    expect(sampleValue(back, name)).toBe(file === 'stat' ? 0.35 : 0.5)
    expect(sampleValue(back, ERRORS)).toBe(1)
  })

  it('leaves out a mountpoint that cannot be read (a symlink loop), counts it, and still reports the others', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'intervai-system-loop-'))
    dirs.push(dir)
    await symlink(join(dir, 'b'), join(dir, 'a'))
    await symlink(join(dir, 'a'), join(dir, 'b'))
    const metrics = fresh()
    collect({ metrics, procRoot: (await fakeProc()).root, filesystems: [join(dir, 'a'), '/'] })

    const body = await scrape(metrics)

    expect(samplesOf(body, filesystemUtilization.name).map((line) => line.split('"')[1])).toEqual(['/'])
    expect(sampleValue(body, ERRORS)).toBe(1)
    expect(sampleValue(await scrape(metrics), ERRORS)).toBe(2)
  })

  it('answers the scrape when every source fails', async () => {
    const proc = await fakeProc()
    const metrics = fresh()
    collect({ metrics, procRoot: proc.root })
    await scrape(metrics)
    await Promise.all(['stat', 'meminfo', 'net/dev'].map((file) => proc.remove(file)))

    const body = await scrape(metrics)

    expect(samplesOf(body, cpuUtilization.name)).toEqual([])
    expect(samplesOf(body, memoryUtilization.name)).toEqual([])
    expect(sampleValue(body, ERRORS)).toBe(3)
  })
})

describe('collecting twice', () => {
  it('shares one collection on one metrics object: figures read once, failures counted once, no warning', async () => {
    const warn = vi.spyOn(process, 'emitWarning')
    const proc = await fakeProc()
    const metrics = fresh()
    const first = collect({ metrics, procRoot: proc.root })
    const second = collect({ metrics, procRoot: proc.root })
    await proc.busier()

    const body = await scrape(metrics)
    expect(sampleValue(body, cpuUtilization.name)).toBe(0.35)
    expect(sampleValue(body, memoryUtilization.name)).toBe(0.75)
    expect(sampleValue(body, `${networkIo.name}{device="eth0",direction="receive"}`)).toBe(1000)

    await proc.remove('meminfo')
    expect(sampleValue(await scrape(metrics), ERRORS)).toBe(1)
    expect(warningsOf(warn)).toEqual([])
    expect(second).toMatchObject({ cpuSource: first.cpuSource, memory: first.memory, network: first.network })
  })

  it('shares one collection between two metrics objects on one registry', async () => {
    const proc = await fakeProc()
    const metrics = fresh()
    collect({ metrics, procRoot: proc.root })
    collect({ metrics: createMetrics({ registry: metrics.registry }), procRoot: proc.root })
    await proc.busier()

    const body = await scrape(metrics)

    expect(sampleValue(body, cpuUtilization.name)).toBe(0.35)
    expect(sampleValue(body, memoryUtilization.name)).toBe(0.75)
  })

  it('collects once per prefix on one registry', async () => {
    const proc = await fakeProc()
    const registry = new Registry()
    collect({ metrics: createMetrics({ registry, prefix: 'a_' }), procRoot: proc.root })
    collect({ metrics: createMetrics({ registry, prefix: 'b_' }), procRoot: proc.root })

    const body = await scrape(createMetrics({ registry }))

    expect(sampleValue(body, `a_${memoryUtilization.name}`)).toBe(0.75)
    expect(sampleValue(body, `b_${memoryUtilization.name}`)).toBe(0.75)
  })

  it('warns when the second call asks for other options, and keeps the first ones', async () => {
    const warn = vi.spyOn(process, 'emitWarning')
    const proc = await fakeProc()
    const metrics = fresh()
    collect({ metrics, procRoot: proc.root })
    collect({ metrics, procRoot: proc.root, filesystems: ['/'] })

    expect(warningsOf(warn)).toEqual(['INTERVAI_METRICS_INSTRUMENTED_TWICE'])
    expect(samplesOf(await scrape(metrics), filesystemUtilization.name)).toEqual([])
  })

  it('keeps collecting until the last handle closes, then leaves nothing in the scrape', async () => {
    const proc = await fakeProc()
    const metrics = fresh()
    const first = collect({ metrics, procRoot: proc.root, filesystems: ['/'] })
    const second = collect({ metrics, procRoot: proc.root, filesystems: ['/'] })
    const before = await scrape(fresh())

    first.close()
    first.close()
    expect(sampleValue(await scrape(metrics), memoryUtilization.name)).toBe(0.75)
    second.close()

    expect(await scrape(metrics)).toBe(before)
  })
})
