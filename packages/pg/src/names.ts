/** The metric names this package defines (before the prefix); alert rules and dashboards use these. */
export const pgMetricNames = {
  queryDuration: 'pg_query_duration_seconds',
  slowQueries: 'pg_slow_queries_total',
  queryErrors: 'pg_query_errors_total',
  poolConnections: 'pg_pool_connections',
  poolMaxConnections: 'pg_pool_max_connections',
  poolWaitingRequests: 'pg_pool_waiting_requests',
  poolAcquireDuration: 'pg_pool_acquire_duration_seconds',
  poolErrors: 'pg_pool_errors_total',
  transactions: 'pg_transactions_total',
} as const
