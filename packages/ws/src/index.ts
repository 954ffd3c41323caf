export { wsMetricNames } from './names.js'
export { instrumentWebSocketServer } from './instrument.js'
export type { WebSocketMetrics } from './instrument.js'
export { fastifyWebSocketMetrics } from './plugin.js'
export type { WsStream } from './stream.js'
export type { WsMetricsOptions } from './options.js'
export { DEFAULT_CONNECTION_BUCKETS, DEFAULT_MESSAGE_SIZE_BUCKETS, DEFAULT_STREAM_BUCKETS } from './options.js'
export {
  WS_CLOSE_CODES,
  WS_CLOSE_CODE_VALUES,
  WS_DIRECTIONS,
  WS_ERROR_CODES,
  WS_ERROR_OTHER,
  WS_FAILURE_REASONS,
  WS_FAILURE_REASON_VALUES,
  WS_STREAM_OUTCOMES,
  closeCodeLabel,
} from './labels.js'
export type { WsCloseCodeLabel, WsFailureReason, WsStreamOutcome } from './labels.js'
