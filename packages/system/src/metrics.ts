import { metricCatalog } from '@intervai/metrics-catalog'
import type { Counter, Gauge, Metrics } from '@intervai/metrics-core'

const system = metricCatalog.system

/** `system_cpu_utilization_ratio`. */
export function cpuUtilizationGauge(metrics: Metrics): Gauge<never> {
  return metrics.gauge<never>(system.cpuUtilization)
}

/** `system_memory_utilization_ratio`. */
export function memoryUtilizationGauge(metrics: Metrics): Gauge<never> {
  return metrics.gauge<never>(system.memoryUtilization)
}

/** `system_filesystem_utilization_ratio{mountpoint}`. */
export function filesystemUtilizationGauge(metrics: Metrics): Gauge<'mountpoint'> {
  return metrics.gauge(system.filesystemUtilization)
}

/** `system_network_io_bytes_total{device,direction}`; direction is one of `networkDirections`. */
export function networkIoCounter(metrics: Metrics): Counter<'device' | 'direction'> {
  return metrics.counter(system.networkIo)
}
