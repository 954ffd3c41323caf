export { collectSystemMetrics } from './collect.js'
export type { SystemMetricsHandle } from './collect.js'
export type { SystemMetricsOptions } from './options.js'
export { collectRuntimeMetrics, type RuntimeMetricsHandle, type RuntimeMetricsOptions } from './runtime.js'
