export { systemMetricNames } from './names.js'
export { collectSystemMetrics } from './collect.js'
export type { SystemMetricsHandle } from './collect.js'
export type { SystemMetricsOptions } from './options.js'
