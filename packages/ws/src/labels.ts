/**
 * The `reason` label values of `ws_connection_failures_total`: one per way a handshake can fail.
 * Alert rules and dashboards can match on these.
 */
export const WS_FAILURE_REASONS = {
  /** The request method was not GET (ws answers 405). */
  invalidMethod: 'invalid_method',
  /** The `Upgrade` header is missing or not `websocket` (400). */
  invalidUpgrade: 'invalid_upgrade',
  /** The `Sec-WebSocket-Key` header is missing or malformed (400). */
  invalidKey: 'invalid_key',
  /** The `Sec-WebSocket-Version` header is missing or not 13/8 (400). */
  invalidVersion: 'invalid_version',
  /** A malformed `Sec-WebSocket-Protocol` or `Sec-WebSocket-Extensions` header (400). */
  invalidHeader: 'invalid_header',
  /** The `path` option did not match, or `shouldHandle` returned false (400). */
  pathMismatch: 'path_mismatch',
  /** `verifyClient` rejected the client (401 or the code it chose). */
  rejected: 'rejected',
  /** The client hung up (or its socket failed) before the handshake completed. */
  clientClosed: 'client_closed',
  /** The server was closing (503). */
  serverClosing: 'server_closing',
} as const

/** A `reason` label value of `ws_connection_failures_total`. */
export type WsFailureReason = (typeof WS_FAILURE_REASONS)[keyof typeof WS_FAILURE_REASONS]

/** Every `reason` value, in a fixed order (zeroed at setup so alerts never see "no data"). */
export const WS_FAILURE_REASON_VALUES: readonly WsFailureReason[] = Object.values(WS_FAILURE_REASONS)

/**
 * The `close_code` label values of `ws_connection_duration_seconds`: the close codes that mean
 * something to an operator, and `other` for the rest.
 */
export const WS_CLOSE_CODES = {
  /** 1000: normal closure. */
  normal: '1000',
  /** 1001: going away (page left, server shutting down). */
  goingAway: '1001',
  /** 1005: closed without a status code. */
  noStatus: '1005',
  /** 1006: abnormal closure, no close frame (terminate(), reset, lost network). */
  abnormal: '1006',
  /** 1008: policy violation. */
  policyViolation: '1008',
  /** 1009: message too big (`maxPayload`). */
  tooBig: '1009',
  /** 1011: internal server error. */
  internalError: '1011',
  /** Every other close code. */
  other: 'other',
} as const

/** A `close_code` label value of `ws_connection_duration_seconds`. */
export type WsCloseCodeLabel = (typeof WS_CLOSE_CODES)[keyof typeof WS_CLOSE_CODES]

/** Every `close_code` value, in a fixed order. */
export const WS_CLOSE_CODE_VALUES: readonly WsCloseCodeLabel[] = Object.values(WS_CLOSE_CODES)

/** The bounded `close_code` label for a close code. */
export function closeCodeLabel(code: number): WsCloseCodeLabel {
  switch (code) {
    case 1000:
      return '1000'
    case 1001:
      return '1001'
    case 1005:
      return '1005'
    case 1006:
      return '1006'
    case 1008:
      return '1008'
    case 1009:
      return '1009'
    case 1011:
      return '1011'
    default:
      return 'other'
  }
}

/** The `direction` label values of `ws_messages_total` and `ws_message_size_bytes`. */
export const WS_DIRECTIONS = {
  received: 'received',
  sent: 'sent',
} as const

/** The `outcome` label values of `ws_stream_duration_seconds`. */
export const WS_STREAM_OUTCOMES = {
  ok: 'ok',
  error: 'error',
  /** The stream's socket closed before the stream ended. */
  cancelled: 'cancelled',
} as const

/** An `outcome` label value of `ws_stream_duration_seconds`. */
export type WsStreamOutcome = (typeof WS_STREAM_OUTCOMES)[keyof typeof WS_STREAM_OUTCOMES]

/**
 * The error codes ws gives socket errors after the handshake (`err.code`), used as the `code`
 * label of `ws_errors_total`. Other upper-case codes (zlib's `Z_DATA_ERROR` on a bad compressed
 * frame, say) are admitted up to a small limit; anything else counts as `other`.
 */
export const WS_ERROR_CODES = [
  'WS_ERR_EXPECTED_FIN',
  'WS_ERR_EXPECTED_MASK',
  'WS_ERR_INVALID_CLOSE_CODE',
  'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
  'WS_ERR_INVALID_OPCODE',
  'WS_ERR_INVALID_UTF8',
  'WS_ERR_TOO_MANY_BUFFERED_PARTS',
  'WS_ERR_UNEXPECTED_MASK',
  'WS_ERR_UNEXPECTED_RSV_1',
  'WS_ERR_UNEXPECTED_RSV_2_3',
  'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH',
  'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
] as const

/** The `code` label for errors whose code is not a known ws code. */
export const WS_ERROR_OTHER = 'other'

const ERROR_CODE_PATTERN = /^[A-Z][A-Z0-9_]{1,60}$/

/** The bounded `code` label for an error; unknown codes beyond `limit` new ones become `other`. */
export function errorCodeLabel(error: unknown, admitted: Set<string>, limit = 10): string {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code !== 'string' || !ERROR_CODE_PATTERN.test(code)) return WS_ERROR_OTHER
  if ((WS_ERROR_CODES as readonly string[]).includes(code) || admitted.has(code)) return code
  if (admitted.size >= limit) return WS_ERROR_OTHER
  admitted.add(code)
  return code
}
