import { setTimeout as sleep } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import client, { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { buckets, metricCatalog, type MetricSpec } from '@intervai/metrics-catalog'
import { createMetrics, type Metrics } from '@intervai/metrics-core'
import { parseExposition, sumOf, valueOf, type Parsed } from '../../../test/support/exposition.js'
import { collectRuntimeMetrics, type RuntimeMetricsHandle, type RuntimeMetricsOptions } from '../src/index.js'

const RUNTIME = metricCatalog.runtime
/** The families prom-client 15's collectDefaultMetrics() serves on Linux, in its order, less its three gauges named `*_total`. */
const PROM_CLIENT_FAMILIES = [
  'process_cpu_user_seconds_total', 'process_cpu_system_seconds_total', 'process_cpu_seconds_total',
  'process_start_time_seconds', 'process_resident_memory_bytes', 'process_virtual_memory_bytes', 'process_heap_bytes',
  'process_open_fds', 'process_max_fds', 'nodejs_eventloop_lag_seconds', 'nodejs_eventloop_lag_min_seconds',
  'nodejs_eventloop_lag_max_seconds', 'nodejs_eventloop_lag_mean_seconds', 'nodejs_eventloop_lag_stddev_seconds',
  'nodejs_eventloop_lag_p50_seconds', 'nodejs_eventloop_lag_p90_seconds', 'nodejs_eventloop_lag_p99_seconds',
  'nodejs_active_resources', 'nodejs_active_handles',
  'nodejs_active_requests', 'nodejs_heap_size_total_bytes', 'nodejs_heap_size_used_bytes',
  'nodejs_external_memory_bytes', 'nodejs_heap_space_size_total_bytes', 'nodejs_heap_space_size_used_bytes',
  'nodejs_heap_space_size_available_bytes', 'nodejs_version_info', 'nodejs_gc_duration_seconds',
]
const handles: RuntimeMetricsHandle[] = []

afterEach(() => {
  for (const handle of handles.splice(0)) handle.close()
})

/**
 * Waits until `count()` reaches `target`: GC entries reach the observer asynchronously, later on
 * a busy machine. Gives up after 10 s (the assertion after it then fails).
 */
async function delivered(count: () => Promise<number>, target: number): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline && (await count()) < target; ) await sleep(20)
}

function collect(options: RuntimeMetricsOptions): RuntimeMetricsHandle {
  const handle = collectRuntimeMetrics(options)
  handles.push(handle)
  return handle
}

const fresh = (options: Parameters<typeof createMetrics>[0] = {}): Metrics => createMetrics({ registry: new Registry(), ...options })
const scrape = async (metrics: Metrics): Promise<Parsed> => parseExposition((await metrics.render()).body)
const value = (parsed: Parsed, spec: MetricSpec, prefix = ''): number => valueOf(parsed, prefix + spec.name) as number

/** Keeps the event loop busy for `ms`: nothing else runs meanwhile, timers included. */
function block(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // busy
  }
}

// V8's gc() without --expose-gc on the command line: the flag is read when a context is made.
setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** The resources of `now` that `before` did not have (vitest's own timers come and go). */
function beyond(now: string[], before: string[]): string[] {
  const left = [...before]
  return now.filter((resource) => {
    const i = left.indexOf(resource)
    if (i < 0) return true
    left.splice(i, 1)
    return false
  })
}

/** A tick for whatever a scrape scheduled (prom-client measures `nodejs_eventloop_lag_seconds` in a setImmediate). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

describe('collectRuntimeMetrics', () => {
  it("serves every runtime metric of the catalog with its type and labels, among prom-client's default metrics", async () => {
    const metrics = fresh()
    collect({ metrics })
    const parsed = await scrape(metrics)
    for (const spec of Object.values(RUNTIME) as MetricSpec[]) {
      expect(parsed.types.get(spec.name), spec.name).toBe(spec.type)
      const series = parsed.samples.filter((s) => s.name === (spec.type === 'histogram' ? `${spec.name}_count` : spec.name))
      expect(series.length, spec.name).toBeGreaterThan(0)
      for (const s of series) expect(Object.keys(s.labels), spec.name).toEqual([...spec.labelNames])
    }
    expect([...parsed.types.keys()]).toEqual([
      'instrumentation_errors_total',
      ...PROM_CLIENT_FAMILIES,
      RUNTIME.eventLoopUtilization.name,
      RUNTIME.heapLimit.name,
    ])
  })

  it('starts the GC histogram with every known kind at 0, on the buckets of the catalog', async () => {
    const metrics = fresh()
    collect({ metrics })
    const parsed = await scrape(metrics)
    const count = parsed.samples.filter((s) => s.name === `${RUNTIME.gcDuration.name}_count`).map((s) => s.labels.kind)
    expect(count).toEqual(['major', 'minor', 'incremental', 'weakcb'])
    const bounds = parsed.samples.filter((s) => s.name === `${RUNTIME.gcDuration.name}_bucket` && s.labels.kind === 'major').map((s) => s.labels.le)
    expect(bounds).toEqual([...buckets.gcDuration.map(String), '+Inf'])
  })

  it('shows a 300 ms blocked event loop in the p99 delay and in a utilization close to 1 between two scrapes', async () => {
    const metrics = fresh()
    // Sampling every millisecond, so little idle time around the block is needed for the monitor to see it.
    collect({ metrics, eventLoopMonitoringPrecision: 1 })
    await scrape(metrics)
    // The delay monitor's first tick after a scrape only starts its clock (prom-client's reset clears it): let it tick.
    await sleep(3)
    const from = performance.now()
    block(300)
    await sleep(3)
    const parsed = await scrape(metrics)
    const elapsed = performance.now() - from
    const p99 = value(parsed, RUNTIME.eventLoopDelayP99)
    const max = value(parsed, RUNTIME.eventLoopDelayMax)
    const elu = value(parsed, RUNTIME.eventLoopUtilization)
    console.log(`blocked 300 ms: p99 ${p99.toFixed(3)} s, max ${max.toFixed(3)} s, utilization ${elu.toFixed(3)} over ${elapsed.toFixed(0)} ms`)
    expect(p99).toBeGreaterThan(0.25)
    expect(p99).toBeLessThan(1)
    expect(max).toBe(p99)
    // Busy for 300 ms of the ~310 ms between the scrapes (more on a busy machine, where the
    // sleeps around the block stretch), plus whatever else ran.
    expect(elu).toBeGreaterThanOrEqual(300 / (elapsed + 10))
    expect(elu).toBeLessThanOrEqual(1)
  })

  it('shows an idle event loop as a utilization near 0', async () => {
    const metrics = fresh()
    collect({ metrics })
    await scrape(metrics)
    await sleep(500)
    const parsed = await scrape(metrics)
    const elu = value(parsed, RUNTIME.eventLoopUtilization)
    console.log(`idle 500 ms: utilization ${elu.toFixed(4)}, p99 ${value(parsed, RUNTIME.eventLoopDelayP99).toFixed(4)} s`)
    expect(elu).toBeGreaterThanOrEqual(0)
    expect(elu).toBeLessThan(0.2)
  })

  it('moves heap used by 200 MB allocated and dropped, and counts the GC runs that free it', async () => {
    const metrics = fresh()
    collect({ metrics })
    gc()
    await settle()
    const before = await scrape(metrics)
    // 25 million doubles: 200 MB on the V8 heap (Buffers would live outside it).
    let held: number[] | undefined = new Array<number>(25_000_000).fill(1.5)
    // Filling with doubles replaced the array's first backing store: only the second one stays.
    gc()
    const during = await scrape(metrics)
    expect(held.length).toBe(25_000_000)
    held = undefined
    gc()
    const used = (p: Parsed): number => value(p, RUNTIME.heapUsed)
    const majors = (p: Parsed): number => valueOf(p, `${RUNTIME.gcDuration.name}_count`, { kind: 'major' }) as number
    await delivered(async () => majors(await scrape(metrics)) - majors(before), 2)
    const after = await scrape(metrics)
    console.log(`heap used ${(used(before) / 1e6).toFixed(0)} → ${(used(during) / 1e6).toFixed(0)} → ${(used(after) / 1e6).toFixed(0)} MB; major GCs ${majors(before)} → ${majors(after)}`)
    // 200 MB, give or take what else the collections freed or the scrapes made.
    expect(used(during) - used(before)).toBeGreaterThan(195_000_000)
    expect(used(during) - used(before)).toBeLessThan(205_000_000)
    expect(used(during) - used(after)).toBeGreaterThan(195_000_000)
    expect(Math.abs(used(after) - used(before))).toBeLessThan(5_000_000)
    // At least the two gc() calls; V8 may run more of its own.
    expect(majors(after) - majors(before)).toBeGreaterThanOrEqual(2)
    expect(sumOf(after, `${RUNTIME.gcDuration.name}_sum`)).toBeGreaterThan(sumOf(before, `${RUNTIME.gcDuration.name}_sum`))
    // The ratio the heap alert reads.
    expect(used(during) / value(during, RUNTIME.heapLimit)).toBeGreaterThan(used(after) / value(after, RUNTIME.heapLimit))
  })

  it('counts every collection of a burst, not only the first of each delivery (as prom-client alone does)', async () => {
    const metrics = fresh()
    collect({ metrics })
    await sleep(20)
    const majors = async (): Promise<number> => valueOf(await scrape(metrics), `${RUNTIME.gcDuration.name}_count`, { kind: 'major' }) as number
    const before = await majors()
    // Five full collections in one synchronous stretch reach the observer as one delivery.
    for (let i = 0; i < 5; i++) gc()
    await delivered(async () => (await majors()) - before, 5)
    expect((await majors()) - before).toBe(5)
  })

  it('reports the heap limit V8 enforces', async () => {
    const metrics = fresh()
    collect({ metrics })
    const { getHeapStatistics } = await import('node:v8')
    expect(value(await scrape(metrics), RUNTIME.heapLimit)).toBe(getHeapStatistics().heap_size_limit)
  })

  it('puts the prefix in front of every runtime metric name', async () => {
    const metrics = fresh({ prefix: 'svc_' })
    collect({ metrics })
    const parsed = await scrape(metrics)
    expect([...parsed.types.keys()].filter((name) => !name.startsWith('svc_'))).toEqual([])
    expect([...parsed.types.keys()]).toEqual(['svc_instrumentation_errors_total', ...PROM_CLIENT_FAMILIES.map((name) => `svc_${name}`), 'svc_nodejs_eventloop_utilization_ratio', 'svc_nodejs_heap_size_limit_bytes'])
    for (const spec of Object.values(RUNTIME) as MetricSpec[]) expect(parsed.types.get(`svc_${spec.name}`), spec.name).toBe(spec.type)
  })

  it('gives every runtime sample the default labels of the metrics object', async () => {
    const metrics = fresh({ defaultLabels: { service: 'api' } })
    collect({ metrics })
    const parsed = await scrape(metrics)
    const runtime = parsed.samples.filter((s) => s.name.startsWith('nodejs_') || s.name.startsWith('process_'))
    expect(runtime.length).toBeGreaterThan(50)
    for (const s of runtime) expect(s.labels.service, s.name).toBe('api')
  })
})

describe('collectRuntimeMetrics closed', () => {
  it('leaves no active handle, no metric and no running monitor or observer behind', async () => {
    const registry = new Registry()
    const metrics = createMetrics({ registry })
    await settle()
    const handlesBefore = process.getActiveResourcesInfo()
    const metricsBefore = registry.getMetricsAsArray().map((m) => m.name)
    const handle = collectRuntimeMetrics({ metrics })
    await scrape(metrics)
    // prom-client's own objects, kept to look at them once they are off the registry.
    const lag = registry.getSingleMetric(RUNTIME.eventLoopDelay.name) as client.Gauge
    const max = registry.getSingleMetric(RUNTIME.eventLoopDelayMax.name) as client.Gauge
    const gcDuration = registry.getSingleMetric(RUNTIME.gcDuration.name) as client.Histogram
    const majors = async (): Promise<number> => (await gcDuration.get()).values.find((v) => v.metricName?.endsWith('_count') && v.labels.kind === 'major')?.value as number
    // The longest delay the monitor saw around a blocked loop (0 when it saw nothing at all).
    const maxAround = async (blockedMs: number): Promise<number> => {
      await lag.get()
      await sleep(15)
      block(blockedMs)
      await sleep(15)
      await lag.get()
      return (await max.get()).values[0]?.value as number
    }
    // While collecting, both see what happens: the same steps fail the checks below if close() forgets either.
    expect(await maxAround(100)).toBeGreaterThan(0.08)
    const seen = await majors()
    gc()
    await delivered(majors, seen + 1)
    expect(await majors()).toBeGreaterThan(seen)

    handle.close()
    await settle()
    expect(beyond(process.getActiveResourcesInfo(), handlesBefore)).toEqual([])
    expect(registry.getMetricsAsArray().map((m) => m.name)).toEqual(metricsBefore)
    // The delay monitor is stopped: a blocked loop is no longer sampled at all.
    expect(await maxAround(100)).toBe(0)
    // The GC observer is disconnected: a GC is no longer observed.
    const closed = await majors()
    gc()
    await sleep(20)
    expect(await majors()).toBe(closed)
  })

  it('can be collected again after close, and close is idempotent', async () => {
    const metrics = fresh()
    const first = collectRuntimeMetrics({ metrics })
    first.close()
    first.close()
    const again = collect({ metrics })
    expect((await scrape(metrics)).types.get(RUNTIME.eventLoopUtilization.name)).toBe('gauge')
    again.close()
    expect((await scrape(metrics)).types.has(RUNTIME.eventLoopUtilization.name)).toBe(false)
  })
})

describe('collectRuntimeMetrics called twice', () => {
  it('shares one collection per registry and prefix, undone when the last handle closes', async () => {
    const registry = new Registry()
    const metrics = createMetrics({ registry })
    const first = collectRuntimeMetrics({ metrics })
    const second = collectRuntimeMetrics({ metrics })
    // Another metrics object on the same registry and prefix shares it too.
    const third = collectRuntimeMetrics({ metrics: createMetrics({ registry }) })
    const text = (await metrics.render()).body
    expect(text.match(/^# TYPE nodejs_eventloop_utilization_ratio /gm)).toHaveLength(1)
    expect(text.match(/^nodejs_eventloop_utilization_ratio /gm)).toHaveLength(1)
    first.close()
    third.close()
    expect((await scrape(metrics)).types.get(RUNTIME.eventLoopDelayP99.name)).toBe('gauge')
    second.close()
    expect((await scrape(metrics)).types.has(RUNTIME.eventLoopDelayP99.name)).toBe(false)
  })

  it('warns when the second call asks for other options, and keeps the first', async () => {
    const metrics = fresh()
    collect({ metrics })
    const warnings: Error[] = []
    const listen = (warning: Error): void => void warnings.push(warning)
    process.on('warning', listen)
    try {
      collect({ metrics, gcDurationBuckets: [0.5, 1] })
      await settle()
    } finally {
      process.off('warning', listen)
    }
    expect(warnings.map((w) => (w as Error & { code?: string }).code)).toEqual(['INTERVAI_METRICS_INSTRUMENTED_TWICE'])
    const bounds = (await scrape(metrics)).samples.filter((s) => s.name === `${RUNTIME.gcDuration.name}_bucket` && s.labels.kind === 'major')
    expect(bounds.map((s) => s.labels.le)).toEqual([...buckets.gcDuration.map(String), '+Inf'])
  })

  it("refuses a registry that already has prom-client's default metrics, and changes nothing", async () => {
    const registry = new Registry()
    client.collectDefaultMetrics({ register: registry })
    const names = registry.getMetricsAsArray().map((m) => m.name)
    const metrics = createMetrics({ registry })
    expect(() => collectRuntimeMetrics({ metrics })).toThrow(
      '@intervai/metrics-system: metric "process_cpu_user_seconds_total" is already on the registry (was prom-client\'s collectDefaultMetrics() called on it?); collectRuntimeMetrics() serves it, so call only one of them',
    )
    expect(registry.getMetricsAsArray().map((m) => m.name)).toEqual([...names, 'instrumentation_errors_total'])
    // Nothing half-made is shared with a later call: the same error again, not a silent share.
    expect(() => collectRuntimeMetrics({ metrics })).toThrow('is already on the registry')
  })
})

describe('collectRuntimeMetrics options', () => {
  const metrics = fresh()

  it.each([
    ['a precision of 0 ms', { metrics, eventLoopMonitoringPrecision: 0 }, 'option "eventLoopMonitoringPrecision" must be a whole number', '(got 0)'],
    ['a fractional precision', { metrics, eventLoopMonitoringPrecision: 2.5 }, 'option "eventLoopMonitoringPrecision" must be a whole number', '(got 2.5)'],
    ['decreasing buckets', { metrics, gcDurationBuckets: [2, 1] }, 'option "gcDurationBuckets" must be strictly increasing', '(got [2,1])'],
    ['buckets that are no list', { metrics, gcDurationBuckets: 'fast' }, 'option "gcDurationBuckets" must be a non-empty array', '(got "fast")'],
    ['a prefix other than the metrics object\'s', { metrics, prefix: 'other_' }, 'option "prefix" must be the prefix of "metrics"', '(got "other_")'],
    ['a metrics option that is no metrics object', { metrics: {} }, 'option "metrics" must be the object createMetrics() returns', '(got {})'],
    ['an unknown option', { metrics, eventLoopPrecision: 10 }, 'option "eventLoopPrecision" must be one of the options', '(got 10)'],
  ])('%s: a TypeError naming the option and the value', (_case, options, message, got) => {
    let error: unknown
    try {
      collectRuntimeMetrics(options as RuntimeMetricsOptions)
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(TypeError)
    expect((error as Error).message).toContain(`@intervai/metrics-system: ${message}`)
    expect((error as Error).message).toContain(got)
    expect(metrics.registry.getSingleMetric(RUNTIME.eventLoopUtilization.name)).toBeUndefined()
  })
})
