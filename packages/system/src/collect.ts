import { existsSync, readFileSync } from 'node:fs'
import { statfs } from 'node:fs/promises'
import { join } from 'node:path'
import type { Gauge, Metrics } from '@intervai/metrics-core'
import { mirrorTotal } from './mirror-total.js'
import { createCpuReader } from './cpu.js'
import { filesystemUtilization, isAbsentPath } from './filesystem.js'
import { createMemoryReader } from './memory.js'
import { cpuUtilizationGauge, filesystemUtilizationGauge, memoryUtilizationGauge, networkIoCounter } from './metrics.js'
import { LOOPBACK, parseNetDev } from './network.js'
import { COMPONENT, resolveOptions, type ResolvedSystemOptions, type SystemMetricsOptions } from './options.js'

/** What `collectSystemMetrics` returns. */
export interface SystemMetricsHandle {
  /**
   * Where CPU utilization comes from: `cgroup` (relative to a cgroup v2 CPU limit), `proc`
   * (`/proc/stat`), `os` (`os.cpus()`), or undefined when this platform offers neither.
   */
  readonly cpuSource: 'cgroup' | 'proc' | 'os' | undefined
  /** Whether memory utilization can be read here (Linux `/proc/meminfo` or a cgroup v2 limit). */
  readonly memory: boolean
  /** Whether network bytes can be read here (Linux `/proc/net/dev`). */
  readonly network: boolean
  /** Stops collecting and removes the series this handle created. Idempotent. */
  close(): void
}

const gaugeUsers = new WeakMap<Gauge<never>, number>()

/**
 * Reports host CPU, memory, filesystem and network figures, each read when a scrape collects
 * it (no timers). A figure this platform cannot provide is absent from the scrape, never 0.
 */
export function collectSystemMetrics(options: SystemMetricsOptions = {}): SystemMetricsHandle {
  const resolved = resolveOptions(options)
  const { metrics } = resolved
  const fail = (error: unknown): void => metrics.recordError(COMPONENT, error)
  const undo: (() => void)[] = []

  const cpu = createCpuReader(resolved)
  if (cpu) undo.push(sampleWhole(metrics, cpuUtilizationGauge(metrics), cpu.initial, () => cpu.utilization(), fail))
  const memory = createMemoryReader(resolved)
  if (memory) undo.push(sampleWhole(metrics, memoryUtilizationGauge(metrics), memory.initial, () => memory.utilization(), fail))
  if (resolved.filesystems.length > 0) undo.push(sampleFilesystems(metrics, resolved.filesystems, fail))
  const netDev = join(resolved.procRoot, 'net/dev')
  const network = existsSync(netDev)
  if (network) undo.push(mirrorNetwork(metrics, netDev, resolved, fail))

  let closed = false
  return {
    cpuSource: cpu?.source,
    memory: memory !== undefined,
    network,
    close() {
      if (closed) return
      closed = true
      for (const step of undo.reverse()) step()
    },
  }
}

/**
 * Samples an unlabelled gauge. Its one series cannot be removed, so when the last handle using
 * the gauge closes, the gauge leaves the registry (and is made anew by the next handle).
 */
function sampleWhole(
  metrics: Metrics,
  gauge: Gauge<never>,
  initial: number | undefined,
  read: () => number,
  fail: (error: unknown) => void,
): () => void {
  gaugeUsers.set(gauge, (gaugeUsers.get(gauge) ?? 0) + 1)
  // A reading from setup, so a scrape whose read fails shows that rather than the gauge's initial 0.
  if (initial !== undefined) gauge.labels().set(initial)
  const stop = gauge.onCollect(() => {
    try {
      gauge.labels().set(read())
    } catch (error) {
      fail(error)
    }
  })
  return () => {
    stop()
    const left = (gaugeUsers.get(gauge) ?? 1) - 1
    gaugeUsers.set(gauge, left)
    if (left === 0 && metrics.registry.getSingleMetric(gauge.name) === (gauge as unknown)) {
      metrics.registry.removeSingleMetric(gauge.name)
    }
  }
}

function sampleFilesystems(metrics: Metrics, paths: readonly string[], fail: (error: unknown) => void): () => void {
  const gauge = filesystemUtilizationGauge(metrics)
  const stop = gauge.onCollect(async () => {
    await Promise.all(
      paths.map(async (path) => {
        let ratio: number | undefined
        try {
          ratio = filesystemUtilization(await statfs(path))
        } catch (error) {
          if (!isAbsentPath(error)) fail(error)
        }
        if (ratio === undefined) gauge.remove(path)
        else gauge.labels(path).set(ratio)
      }),
    )
  })
  return () => {
    stop()
    for (const path of paths) gauge.remove(path)
  }
}

function mirrorNetwork(metrics: Metrics, netDev: string, options: ResolvedSystemOptions, fail: (error: unknown) => void): () => void {
  const counter = networkIoCounter(metrics)
  const named = options.networkDevices
  const tracked = new Set<string>()
  const drop = (device: string): void => {
    counter.remove(device, 'receive')
    counter.remove(device, 'transmit')
    tracked.delete(device)
  }
  const update = (): void => {
    // Synchronous: procfs never waits on storage, and a thread-pool round trip costs ten times the CPU.
    const devices = parseNetDev(readFileSync(netDev, 'utf8'))
    // A device that went away (a container's veth) frees its series and its slot first.
    for (const device of tracked) if (!devices.has(device)) drop(device)
    for (const [device, bytes] of devices) {
      if (named ? !named.has(device) : device === LOOPBACK) continue
      if (!tracked.has(device)) {
        if (named === undefined && tracked.size >= options.maxNetworkDevices) continue
        tracked.add(device)
      }
      mirrorTotal(counter.labels(device, 'receive'), bytes.receive)
      mirrorTotal(counter.labels(device, 'transmit'), bytes.transmit)
    }
  }
  const stop = counter.onCollect(async () => {
    try {
      await update()
    } catch (error) {
      fail(error)
    }
  })
  return () => {
    stop()
    for (const device of tracked) drop(device)
  }
}
