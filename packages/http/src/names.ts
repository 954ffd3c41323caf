/** The metric names this package defines (before the prefix); alert rules and dashboards use these. */
export const httpMetricNames = {
  requestDuration: 'http_server_request_duration_seconds',
  activeRequests: 'http_server_active_requests',
  errors: 'http_server_errors_total',
} as const
