import type { Counter, Gauge, Metrics } from '@intervai/metrics-core'
import { systemMetricNames } from './names.js'

/** `system_cpu_utilization_ratio`. */
export function cpuUtilizationGauge(metrics: Metrics): Gauge<never> {
  return metrics.gauge({
    name: systemMetricNames.cpuUtilization,
    help: 'CPU utilization since the previous scrape over all cores, or relative to the cgroup CPU limit (0..1)',
  })
}

/** `system_memory_utilization_ratio`. */
export function memoryUtilizationGauge(metrics: Metrics): Gauge<never> {
  return metrics.gauge({
    name: systemMetricNames.memoryUtilization,
    help: 'Memory in use: 1 - MemAvailable/MemTotal, or the cgroup working set over its memory limit (0..1)',
  })
}

/** `system_filesystem_utilization_ratio{mountpoint}`. */
export function filesystemUtilizationGauge(metrics: Metrics): Gauge<'mountpoint'> {
  return metrics.gauge({
    name: systemMetricNames.filesystemUtilization,
    help: 'Filesystem space used, as df computes it: used / (used + available to unprivileged users) (0..1)',
    labelNames: ['mountpoint'],
  })
}

/** `system_network_io_bytes_total{device,direction}`; direction is `receive` or `transmit`. */
export function networkIoCounter(metrics: Metrics): Counter<'device' | 'direction'> {
  return metrics.counter({
    name: systemMetricNames.networkIo,
    help: 'Bytes received and transmitted per network device, as counted by the kernel',
    labelNames: ['device', 'direction'],
  })
}
