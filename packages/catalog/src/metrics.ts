import { deepFreeze } from './freeze.js'
import { buckets } from './buckets.js'
import { gcKinds, httpLabels, networkDirections, pgLabels, quotaOutcomes, streamOutcomes, wsCloseCodes, wsDirections, wsFailureReasons } from './labels.js'

/** The three metric types the packages define. */
export type MetricType = 'counter' | 'gauge' | 'histogram'

/** One metric of the catalog. */
export interface MetricSpec {
  /** Name before the prefix (`createMetrics({ prefix })` puts it in front). */
  readonly name: string
  readonly type: MetricType
  /** HELP text. */
  readonly help: string
  /** Label names, in the order the packages pass values. */
  readonly labelNames: readonly string[]
  /** Default bucket upper bounds (histograms only). */
  readonly buckets?: readonly number[]
  /** Label values known up front, per label (the packages zero these series so alerts never see "no data"). */
  readonly knownValues?: Readonly<Record<string, readonly string[]>>
}

const values = <T extends Record<string, string>>(labels: T): string[] => Object.values(labels)

/**
 * Every metric the IntervAI Metrics packages define, by package. Names, labels and buckets are
 * shared with the alert rules and the dashboard: change them here, nowhere else.
 */
export const metricCatalog = deepFreeze({
  core: {
    instrumentationErrors: {
      name: 'instrumentation_errors_total',
      type: 'counter',
      help: 'Recording failures caught by the instrumentation instead of reaching the app',
      labelNames: ['component'],
    },
  },
  http: {
    requestDuration: {
      name: 'http_server_request_duration_seconds',
      type: 'histogram',
      help: 'Duration of HTTP server requests, from the start of routing to the end of the response (or the hang-up: status 499)',
      labelNames: ['method', 'route', 'status_code'],
      buckets: buckets.http,
    },
    activeRequests: {
      name: 'http_server_active_requests',
      type: 'gauge',
      help: 'HTTP server requests in flight',
      labelNames: ['method'],
      knownValues: { method: [...httpLabels.methods, httpLabels.otherMethod] },
    },
    errors: {
      name: 'http_server_errors_total',
      type: 'counter',
      help: 'Errors raised by HTTP request handlers, by error code or class',
      labelNames: ['method', 'route', 'error'],
    },
  },
  ws: {
    connectionsActive: {
      name: 'ws_connections_active',
      type: 'gauge',
      help: 'Open WebSocket connections, sampled from the server at scrape time',
      labelNames: ['server'],
    },
    connectionsOpened: {
      name: 'ws_connections_opened_total',
      type: 'counter',
      help: 'WebSocket handshakes that completed',
      labelNames: ['server'],
    },
    connectionFailures: {
      name: 'ws_connection_failures_total',
      type: 'counter',
      help: 'WebSocket handshakes that failed or were rejected, by reason',
      labelNames: ['server', 'reason'],
      knownValues: { reason: values(wsFailureReasons) },
    },
    messages: {
      name: 'ws_messages_total',
      type: 'counter',
      help: 'WebSocket messages, as the app received or sent them',
      labelNames: ['server', 'direction'],
      knownValues: { direction: wsDirections },
    },
    messageSize: {
      name: 'ws_message_size_bytes',
      type: 'histogram',
      help: 'WebSocket message sizes in bytes, as the app received or sent them (uncompressed)',
      labelNames: ['server', 'direction'],
      buckets: buckets.wsMessageSize,
      knownValues: { direction: wsDirections },
    },
    connectionDuration: {
      name: 'ws_connection_duration_seconds',
      type: 'histogram',
      help: 'WebSocket connection lifetimes in seconds, by close code',
      labelNames: ['server', 'close_code'],
      buckets: buckets.wsConnection,
      knownValues: { close_code: values(wsCloseCodes) },
    },
    streamDuration: {
      name: 'ws_stream_duration_seconds',
      type: 'histogram',
      help: 'Durations of streaming operations over WebSocket in seconds, by stream and outcome',
      labelNames: ['stream', 'outcome'],
      buckets: buckets.stream,
      knownValues: { outcome: streamOutcomes },
    },
    errors: {
      name: 'ws_errors_total',
      type: 'counter',
      help: 'WebSocket errors after the handshake (invalid frames, oversized messages), by code',
      labelNames: ['server', 'code'],
    },
  },
  pg: {
    queryDuration: {
      name: 'pg_query_duration_seconds',
      type: 'histogram',
      help: 'Duration of PostgreSQL queries, by command',
      labelNames: ['pool', 'operation', 'outcome'],
      buckets: buckets.pg,
      knownValues: { outcome: pgLabels.queryOutcomes },
    },
    slowQueries: {
      name: 'pg_slow_queries_total',
      type: 'counter',
      help: 'PostgreSQL queries that took at least the slow query threshold',
      labelNames: ['pool', 'operation'],
    },
    queryErrors: {
      name: 'pg_query_errors_total',
      type: 'counter',
      help: 'Failed PostgreSQL queries, by SQLSTATE class',
      labelNames: ['pool', 'operation', 'sqlstate_class'],
    },
    poolConnections: {
      name: 'pg_pool_connections',
      type: 'gauge',
      help: 'Connections of the pool, by state (used or idle)',
      labelNames: ['pool', 'state'],
      knownValues: { state: pgLabels.connectionStates },
    },
    poolMaxConnections: {
      name: 'pg_pool_max_connections',
      type: 'gauge',
      help: 'Maximum number of connections of the pool',
      labelNames: ['pool'],
    },
    poolWaitingRequests: {
      name: 'pg_pool_waiting_requests',
      type: 'gauge',
      help: 'Requests waiting for a connection of the pool',
      labelNames: ['pool'],
    },
    poolAcquireDuration: {
      name: 'pg_pool_acquire_duration_seconds',
      type: 'histogram',
      help: 'Time spent waiting to check out a connection from the pool',
      labelNames: ['pool'],
      buckets: buckets.pg,
    },
    poolErrors: {
      name: 'pg_pool_errors_total',
      type: 'counter',
      help: 'Pool errors: idle connections that failed, and connections that could not be checked out',
      labelNames: ['pool'],
    },
    transactions: {
      name: 'pg_transactions_total',
      type: 'counter',
      help: 'Transactions ended, by outcome (commit or rollback)',
      labelNames: ['pool', 'outcome'],
      knownValues: { outcome: pgLabels.transactionOutcomes },
    },
  },
  quota: {
    checks: {
      name: 'quota_checks_total',
      type: 'counter',
      help: 'Quota checks by outcome: allowed, exceeded, or error (the limit store failed)',
      labelNames: ['quota', 'outcome'],
      knownValues: { outcome: quotaOutcomes },
    },
    limitHits: {
      name: 'quota_limit_hits_total',
      type: 'counter',
      help: 'Requests rejected because a quota limit was hit',
      labelNames: ['quota'],
    },
  },
  system: {
    cpuUtilization: {
      name: 'system_cpu_utilization_ratio',
      type: 'gauge',
      help: 'CPU utilization since the previous scrape over all cores, or relative to the cgroup CPU limit (0..1)',
      labelNames: [],
    },
    memoryUtilization: {
      name: 'system_memory_utilization_ratio',
      type: 'gauge',
      help: 'Memory in use: 1 - MemAvailable/MemTotal, or the cgroup working set over its memory limit (0..1)',
      labelNames: [],
    },
    filesystemUtilization: {
      name: 'system_filesystem_utilization_ratio',
      type: 'gauge',
      help: 'Filesystem space used, as df computes it: used / (used + available to unprivileged users) (0..1)',
      labelNames: ['mountpoint'],
    },
    networkIo: {
      name: 'system_network_io_bytes_total',
      type: 'counter',
      help: 'Bytes received and transmitted per network device, as counted by the kernel',
      labelNames: ['device', 'direction'],
      knownValues: { direction: networkDirections },
    },
  },
  /**
   * The Node.js runtime (`collectRuntimeMetrics` of `@intervai/metrics-system`): prom-client's
   * default metrics under their own names and HELP texts, so existing Node.js dashboards work,
   * plus two of ours (`eventLoopUtilization`, `heapLimit`). Only the ones the alerts, the
   * dashboard and the status page read are listed; prom-client serves more (`process_*`, `nodejs_*`).
   */
  runtime: {
    cpuUserSeconds: {
      name: 'process_cpu_user_seconds_total',
      type: 'counter',
      help: 'Total user CPU time spent in seconds.',
      labelNames: [],
    },
    cpuSystemSeconds: {
      name: 'process_cpu_system_seconds_total',
      type: 'counter',
      help: 'Total system CPU time spent in seconds.',
      labelNames: [],
    },
    cpuSeconds: {
      name: 'process_cpu_seconds_total',
      type: 'counter',
      help: 'Total user and system CPU time spent in seconds.',
      labelNames: [],
    },
    residentMemory: {
      name: 'process_resident_memory_bytes',
      type: 'gauge',
      help: 'Resident memory size in bytes.',
      labelNames: [],
    },
    eventLoopDelay: {
      name: 'nodejs_eventloop_lag_seconds',
      type: 'gauge',
      help: 'Lag of event loop in seconds.',
      labelNames: [],
    },
    eventLoopDelayP50: {
      name: 'nodejs_eventloop_lag_p50_seconds',
      type: 'gauge',
      help: 'The 50th percentile of the recorded event loop delays.',
      labelNames: [],
    },
    eventLoopDelayP99: {
      name: 'nodejs_eventloop_lag_p99_seconds',
      type: 'gauge',
      help: 'The 99th percentile of the recorded event loop delays.',
      labelNames: [],
    },
    eventLoopDelayMax: {
      name: 'nodejs_eventloop_lag_max_seconds',
      type: 'gauge',
      help: 'The maximum recorded event loop delay.',
      labelNames: [],
    },
    eventLoopUtilization: {
      name: 'nodejs_eventloop_utilization_ratio',
      type: 'gauge',
      help: 'Event loop utilization since the previous scrape: the share of the time the event loop was busy rather than waiting for events (0..1)',
      labelNames: [],
    },
    heapUsed: {
      name: 'nodejs_heap_size_used_bytes',
      type: 'gauge',
      help: 'Process heap size used from Node.js in bytes.',
      labelNames: [],
    },
    heapTotal: {
      name: 'nodejs_heap_size_total_bytes',
      type: 'gauge',
      help: 'Process heap size from Node.js in bytes.',
      labelNames: [],
    },
    heapLimit: {
      name: 'nodejs_heap_size_limit_bytes',
      type: 'gauge',
      help: 'The most the V8 heap may grow to before the process dies of heap exhaustion (v8.getHeapStatistics().heap_size_limit), in bytes',
      labelNames: [],
    },
    gcDuration: {
      name: 'nodejs_gc_duration_seconds',
      type: 'histogram',
      help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
      labelNames: ['kind'],
      buckets: buckets.gcDuration,
      knownValues: { kind: gcKinds },
    },
  },
} as const satisfies Record<string, Record<string, MetricSpec>>)

/** The packages (areas) of the metric catalog. */
export type MetricArea = keyof typeof metricCatalog

/** Every metric of the catalog, in catalog order. */
export function allMetrics(): MetricSpec[] {
  return Object.values(metricCatalog).flatMap((area) => Object.values(area) as MetricSpec[])
}

/**
 * Every series name the packages can expose with `prefix`: each metric name, plus `_bucket`,
 * `_sum` and `_count` for histograms.
 * @param prefix the metric name prefix @default ''
 */
export function seriesNames(prefix = ''): Set<string> {
  const names = new Set<string>()
  for (const metric of allMetrics()) {
    names.add(prefix + metric.name)
    if (metric.type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(prefix + metric.name + suffix)
  }
  return names
}
