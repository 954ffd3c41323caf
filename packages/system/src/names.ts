/** The metric names this package defines (before the prefix); alert rules and dashboards use these. */
export const systemMetricNames = {
  cpuUtilization: 'system_cpu_utilization_ratio',
  memoryUtilization: 'system_memory_utilization_ratio',
  filesystemUtilization: 'system_filesystem_utilization_ratio',
  networkIo: 'system_network_io_bytes_total',
} as const
