/** The metric names this package defines (before the prefix); alert rules and dashboards use these. */
export const wsMetricNames = {
  connectionsActive: 'ws_connections_active',
  connectionsOpened: 'ws_connections_opened_total',
  connectionFailures: 'ws_connection_failures_total',
  messages: 'ws_messages_total',
  messageSize: 'ws_message_size_bytes',
  connectionDuration: 'ws_connection_duration_seconds',
  streamDuration: 'ws_stream_duration_seconds',
  errors: 'ws_errors_total',
} as const
