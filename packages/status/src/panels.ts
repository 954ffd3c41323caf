import type { AlertKey } from '@intervai/metrics-catalog'
import type { StatusUnit } from './types.js'

/** A chart both sources draw: its title, unit, and the alert whose thresholds are drawn across it. */
export interface ChartMeta {
  readonly title: string
  readonly unit: StatusUnit
  readonly alert?: AlertKey
  readonly description?: string
}

/** A big number both sources show. */
export interface StatMeta {
  readonly label: string
  readonly unit: StatusUnit
}

/** The sections of the page, one per section of the monitoring guide, in page order. */
export const groups = {
  api: { title: 'API', hint: 'Register fastifyHttpMetrics from @intervai/metrics-http/fastify (or expressHttpMetrics from @intervai/metrics-http/express).' },
  websocket: { title: 'WebSocket', hint: 'Instrument your WebSocket server with @intervai/metrics-ws.' },
  database: { title: 'Database', hint: 'Instrument your pg.Pool with instrumentPool() from @intervai/metrics-pg.' },
  quota: { title: 'Quotas', hint: 'Record quota checks with @intervai/metrics-quota.' },
  system: { title: 'System', hint: 'Call collectSystemMetrics() from @intervai/metrics-system.' },
  runtime: { title: 'Runtime', hint: 'Call collectRuntimeMetrics() from @intervai/metrics-system.' },
  business: { title: 'Business', hint: 'Register your own counters and histograms on the same metrics object, or configure business panels.' },
} as const

/** A group id. */
export type GroupId = keyof typeof groups

/** Every chart of the catalog's groups, by id (`<group>.<name>`). */
export const charts = {
  'api.rps': { title: 'Requests per second', unit: 'perSecond' },
  'api.errorRatio': { title: 'Error rate (5xx)', unit: 'ratio', alert: 'apiErrorRatio' },
  'api.latency': { title: 'Latency p50 / p95 / p99', unit: 'seconds', alert: 'apiLatencyP95Seconds', description: 'The thresholds apply to p95.' },
  'websocket.active': { title: 'Active connections', unit: 'count' },
  'websocket.failureRatio': { title: 'Handshake failures', unit: 'ratio', alert: 'wsFailureRatio', description: 'Failed handshakes / attempts.' },
  'websocket.messages': { title: 'Messages per second', unit: 'perSecond' },
  'websocket.streamDuration': { title: 'Average stream duration', unit: 'seconds', alert: 'streamDurationSeconds' },
  'database.p95': { title: 'Query latency p95', unit: 'seconds' },
  'database.average': { title: 'Average query latency', unit: 'seconds', alert: 'dbQueryLatencySeconds' },
  'database.poolUsage': { title: 'Pool usage', unit: 'ratio', alert: 'dbPoolUsageRatio', description: 'Connections in use / pool maximum.' },
  'database.waiting': { title: 'Requests waiting for a connection', unit: 'count' },
  'database.slow': { title: 'Slow queries per minute', unit: 'perMinute' },
  'database.rollbacks': { title: 'Rollbacks per minute', unit: 'perMinute' },
  'quota.hits': { title: 'Quota limit hits', unit: 'count', alert: 'quotaLimitHits', description: 'Rejected requests within the quota window.' },
  'system.cpu': { title: 'CPU', unit: 'ratio', alert: 'cpuUtilizationRatio' },
  'system.memory': { title: 'Memory', unit: 'ratio', alert: 'memoryUtilizationRatio' },
  'system.disk': { title: 'Disk', unit: 'ratio', alert: 'diskUtilizationRatio' },
  'system.network': { title: 'Network', unit: 'bytesPerSecond' },
  'runtime.eventLoopDelay': { title: 'Event loop delay p99', unit: 'seconds', alert: 'eventLoopDelayP99Seconds' },
  'runtime.eventLoopUtilization': { title: 'Event loop utilization', unit: 'ratio', alert: 'eventLoopUtilizationRatio' },
  'runtime.memory': { title: 'Heap and resident memory', unit: 'bytes' },
  'runtime.heapUsage': { title: 'Heap used / heap limit', unit: 'ratio', alert: 'heapUsageRatio' },
  'runtime.cpu': { title: 'Process CPU', unit: 'ratio', description: 'CPU seconds per second: 1 is one core busy.' },
} as const satisfies Record<string, ChartMeta>

/** A chart id of the catalog's groups. */
export type ChartId = keyof typeof charts

/** Every big number of the catalog's groups, by id. */
export const stats = {
  'api.requests': { label: 'Requests', unit: 'count' },
  'api.errors': { label: '5xx responses', unit: 'count' },
  'api.inFlight': { label: 'In flight', unit: 'count' },
  'api.rps': { label: 'Requests/s', unit: 'perSecond' },
  'api.errorRatio': { label: 'Error rate', unit: 'ratio' },
  'api.p95': { label: 'p95 latency', unit: 'seconds' },
  'websocket.active': { label: 'Active connections', unit: 'count' },
  'websocket.opened': { label: 'Connections opened', unit: 'count' },
  'websocket.failures': { label: 'Failed handshakes', unit: 'count' },
  'websocket.messages': { label: 'Messages', unit: 'count' },
  'websocket.streams': { label: 'Streams', unit: 'count' },
  'database.queries': { label: 'Queries', unit: 'count' },
  'database.inUse': { label: 'Connections in use', unit: 'count' },
  'database.waiting': { label: 'Waiting', unit: 'count' },
  'database.slow': { label: 'Slow queries', unit: 'count' },
  'database.rollbacks': { label: 'Rollbacks', unit: 'count' },
  'database.errors': { label: 'Query errors', unit: 'count' },
  'quota.hits': { label: 'Limit hits', unit: 'count' },
  'system.cpu': { label: 'CPU', unit: 'ratio' },
  'system.memory': { label: 'Memory', unit: 'ratio' },
  'system.disk': { label: 'Disk (fullest)', unit: 'ratio' },
  'system.receive': { label: 'Received', unit: 'bytesPerSecond' },
  'system.transmit': { label: 'Transmitted', unit: 'bytesPerSecond' },
  'runtime.eventLoopDelay': { label: 'Event loop delay p99', unit: 'seconds' },
  'runtime.eventLoopUtilization': { label: 'Event loop utilization', unit: 'ratio' },
  'runtime.heapUsed': { label: 'Heap used', unit: 'bytes' },
  'runtime.rss': { label: 'Resident memory', unit: 'bytes' },
} as const satisfies Record<string, StatMeta>

/** A stat id of the catalog's groups. */
export type StatId = keyof typeof stats

/** The columns of the route tables. */
export const routeColumns = [
  { id: 'method', label: 'Method' },
  { id: 'route', label: 'Route' },
  { id: 'rps', label: 'Requests/s', unit: 'perSecond' },
  { id: 'errorRatio', label: '5xx', unit: 'ratio' },
  { id: 'p95', label: 'p95', unit: 'seconds' },
  { id: 'average', label: 'Average', unit: 'seconds' },
] as const

/** Rows shown per route table. */
export const ROUTE_ROWS = 10

/** A value for JSON: 6 significant digits, null for "no value" (NaN, infinities). */
export function rounded(value: number): number | null {
  return Number.isFinite(value) ? Number(value.toPrecision(6)) : null
}
