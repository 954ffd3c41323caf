import { deepFreeze } from './freeze.js'
/** Default bucket upper bounds. Each holds every alert threshold of its metric (see `alerts.ts`). */
export const buckets = deepFreeze({
  /** `http_server_request_duration_seconds`, seconds: holds the 1 s and 2 s p95 thresholds. */
  http: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
  /** `pg_query_duration_seconds` and `pg_pool_acquire_duration_seconds`, seconds: holds 200 ms and 500 ms. */
  pg: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
  /** `ws_stream_duration_seconds`, seconds: holds the 30 s average. */
  stream: [0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300],
  /** `ws_connection_duration_seconds`, seconds: from a client rejected at once to a long session. */
  wsConnection: [0.1, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 14400],
  /** `ws_message_size_bytes`, bytes. */
  wsMessageSize: [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304],
  /** `nodejs_gc_duration_seconds`, seconds: prom-client's own default (prom-client/lib/metrics/gc.js), kept so dashboards agree. */
  gcDuration: [0.001, 0.01, 0.1, 1, 2, 5],
} as const satisfies Record<string, readonly number[]>)
