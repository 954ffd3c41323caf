import { existsSync } from 'node:fs'
import { statfs } from 'node:fs/promises'
import { join } from 'node:path'
import { metricCatalog, type MetricSpec } from '@intervai/metrics-catalog'
import type { Counter, Gauge, Metrics } from '@intervai/metrics-core'
import { instrumentOnce, sampleGauge, sharedState, undoAll, type GaugeSource } from '@intervai/metrics-core/internal'
import { createCpuReader } from './cpu.js'
import { filesystemUtilization, isAbsentPath } from './filesystem.js'
import { createMemoryReader } from './memory.js'
import { cpuUtilizationGauge, filesystemUtilizationGauge, memoryUtilizationGauge, networkIoCounter } from './metrics.js'
import { mirrorNetwork } from './network-mirror.js'
import { COMPONENT, identityOf, PKG, resolveOptions, type ResolvedSystemOptions, type SystemMetricsOptions } from './options.js'

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
  /**
   * Gives this handle's share back; the last handle of a registry stops collecting and removes
   * the series (and the metrics) the collection added. Idempotent.
   */
  close(): void
}

const system = metricCatalog.system

/** The collection of one registry and prefix, shared by every handle asked for them. */
class SystemCollection {
  readonly cpuSource: SystemMetricsHandle['cpuSource']
  readonly memory: boolean
  readonly network: boolean
  private readonly undos: Array<() => void> = []

  constructor(options: ResolvedSystemOptions) {
    const { metrics } = options
    const fail = (error: unknown): void => metrics.recordError(COMPONENT, error)
    const cpu = createCpuReader(options)
    if (cpu) this.sample(this.adopt(metrics, system.cpuUtilization, cpuUtilizationGauge), [], leftOutOnFailure(() => cpu.utilization(), fail))
    const memory = createMemoryReader(options)
    if (memory) this.sample(this.adopt(metrics, system.memoryUtilization, memoryUtilizationGauge), [], leftOutOnFailure(() => memory.utilization(), fail))
    if (options.filesystems.length > 0) {
      const gauge = this.adopt(metrics, system.filesystemUtilization, filesystemUtilizationGauge)
      for (const path of options.filesystems) this.sample(gauge, [path], filesystemSource(path, fail))
    }
    const netDev = join(options.procRoot, 'net/dev')
    this.network = existsSync(netDev)
    if (this.network) {
      const select = { named: options.networkDevices, maxDevices: options.maxNetworkDevices }
      this.undos.push(mirrorNetwork(this.adopt(metrics, system.networkIo, networkIoCounter), netDev, select, fail))
    }
    this.cpuSource = cpu?.source
    this.memory = memory !== undefined
  }

  close(): void {
    undoAll(this.undos)
  }

  private sample(gauge: Gauge<string>, labelValues: readonly string[], read: GaugeSource): void {
    this.undos.push(sampleGauge(gauge as Gauge, labelValues, read, () => {}))
  }

  /**
   * Gets or creates a metric; when this collection created it, undoing takes it out of the
   * registry again once it holds no series, so a closed collection leaves no trace in the scrape.
   */
  private adopt<M extends Gauge<string> | Counter<string>>(metrics: Metrics, spec: MetricSpec, make: (metrics: Metrics) => M): M {
    const existed = metrics.registry.getSingleMetric(metrics.prefix + spec.name) !== undefined
    const metric = make(metrics)
    if (!existed) {
      // Pushed before the undos that empty it, so it runs after them.
      this.undos.push(() => {
        if (metric.size === 0 && metrics.registry.getSingleMetric(metric.name) === (metric as unknown)) {
          metrics.registry.removeSingleMetric(metric.name)
        }
      })
    }
    return metric
  }
}

/** A figure whose read fails at scrape time is counted and left out of that scrape (never a stale value). */
function leftOutOnFailure(read: () => number, fail: (error: unknown) => void): GaugeSource {
  return () => {
    try {
      return read()
    } catch (error) {
      fail(error)
      return undefined
    }
  }
}

/**
 * `fs.statfs` of one path at scrape time (asynchronous: a network filesystem can hang). A path
 * that does not exist, or a filesystem without blocks, has nothing to measure; any other failure
 * is counted. Both leave the series out.
 */
function filesystemSource(path: string, fail: (error: unknown) => void): GaugeSource {
  return async () => {
    try {
      return filesystemUtilization(await statfs(path))
    } catch (error) {
      if (!isAbsentPath(error)) fail(error)
      return undefined
    }
  }
}

/**
 * One anchor per registry and prefix: every `Metrics` object on them (two apps, two
 * `createMetrics()` calls) reaches the same collection, so nothing is read or counted twice.
 */
function anchorOf(metrics: Metrics): object {
  return sharedState(metrics.registry, `${PKG}:collection:${metrics.prefix}`, () => ({}))
}

/**
 * Reports host CPU, memory, filesystem and network figures, each read when a scrape collects
 * it (no timers). A figure this platform cannot provide is absent from the scrape, never 0; a
 * reading that fails at scrape time is counted in `instrumentation_errors_total{component="system"}`
 * and its gauge left out of that scrape. Collecting again on the same metrics (or registry)
 * shares the first collection (different options get a warning, and the first stay in effect);
 * it stops when every handle is closed.
 */
export function collectSystemMetrics(options: SystemMetricsOptions = {}): SystemMetricsHandle {
  const resolved = resolveOptions(options)
  const claim = instrumentOnce(PKG, anchorOf(resolved.metrics), identityOf(resolved), () => new SystemCollection(resolved))
  const { cpuSource, memory, network } = claim.instrumentation
  return { cpuSource, memory, network, close: () => claim.release() }
}
