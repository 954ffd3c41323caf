import { deepFreeze } from './freeze.js'
/** HTTP label values every package, rule and dashboard agrees on. */
export const httpLabels = deepFreeze({
  /** The `route` of every request no route matched (404s, unparseable URLs, requests no hook saw). */
  unmatchedRoute: '__unmatched',
  /** The `method` of every method outside `methods`. */
  otherMethod: '_OTHER',
  /** The `status_code` of a request whose client hung up before the response was complete. */
  abortedStatus: '499',
  /** The `status_code` of a status outside 100..599. */
  otherStatus: '_OTHER',
  /** The methods recorded by name (RFC 9110 plus PATCH); every other one is `otherMethod`. */
  methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE'],
} as const)

/** The ways a WebSocket handshake can fail: the `reason` of `ws_connection_failures_total`. */
export const wsFailureReasons = deepFreeze({
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
  /** The `path` option did not match, `shouldHandle` returned false, or no WebSocket route took the upgrade (400). */
  pathMismatch: 'path_mismatch',
  /** `verifyClient` rejected the client (401 or the code it chose). */
  rejected: 'rejected',
  /** The client hung up (or its socket failed) before the handshake completed. */
  clientClosed: 'client_closed',
  /** The server was closing (503). */
  serverClosing: 'server_closing',
} as const)

/** A `reason` of `ws_connection_failures_total`. */
export type WsFailureReason = (typeof wsFailureReasons)[keyof typeof wsFailureReasons]

/**
 * The `close_code` values of `ws_connection_duration_seconds`: the close codes that mean
 * something to an operator, and `other` for the rest.
 */
export const wsCloseCodes = deepFreeze({
  /** 1000: normal closure. */
  normal: '1000',
  /** 1001: going away (page left, server shutting down). */
  goingAway: '1001',
  /** 1002: protocol error (a malformed frame). */
  protocolError: '1002',
  /** 1005: closed without a status code. */
  noStatus: '1005',
  /** 1006: abnormal closure, no close frame (terminate(), reset, lost network). */
  abnormal: '1006',
  /** 1007: invalid payload data (text that is not UTF-8). */
  invalidPayload: '1007',
  /** 1008: policy violation. */
  policyViolation: '1008',
  /** 1009: message too big (`maxPayload`). */
  tooBig: '1009',
  /** 1011: internal server error. */
  internalError: '1011',
  /** Every other close code. */
  other: 'other',
} as const)

/** A `close_code` of `ws_connection_duration_seconds`. */
export type WsCloseCode = (typeof wsCloseCodes)[keyof typeof wsCloseCodes]

/** The `direction` of `ws_messages_total` and `ws_message_size_bytes`. */
export const wsDirections = deepFreeze(['received', 'sent'] as const)

/** The `outcome` of `ws_stream_duration_seconds`. */
export const streamOutcomes = deepFreeze(['ok', 'error', 'cancelled'] as const)

/** An `outcome` of `ws_stream_duration_seconds`. */
export type StreamOutcome = (typeof streamOutcomes)[number]

/**
 * The `code` values of `ws_errors_total` that ws itself gives errors after the handshake.
 * Other upper-case codes (zlib's `Z_DATA_ERROR`) are admitted up to a small limit, then `_other`.
 */
export const wsErrorCodes = deepFreeze([
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
] as const)

/** PostgreSQL label values. */
export const pgLabels = deepFreeze({
  /** The `outcome` of `pg_query_duration_seconds`. */
  queryOutcomes: ['ok', 'error'],
  /** The `state` of `pg_pool_connections`. */
  connectionStates: ['idle', 'used'],
  /** The `outcome` of `pg_transactions_total`. */
  transactionOutcomes: ['commit', 'rollback'],
  /** The `operation` of a command outside `operations`. */
  otherOperation: 'OTHER',
  /** The `sqlstate_class` of an error that carries no SQLSTATE (a lost connection, a client-side error). */
  noSqlstate: 'none',
  /** Command tags recorded by name, as node-postgres reports them in `result.command`. */
  operations: [
    'SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'COPY', 'WITH',
    'BEGIN', 'START', 'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'RELEASE',
    'PREPARE', 'EXECUTE', 'DEALLOCATE', 'DECLARE', 'FETCH', 'MOVE', 'CLOSE',
    'CREATE', 'ALTER', 'DROP', 'TRUNCATE', 'COMMENT', 'GRANT', 'REVOKE',
    'SET', 'RESET', 'SHOW', 'DISCARD', 'LISTEN', 'UNLISTEN', 'NOTIFY', 'LOCK',
    'VACUUM', 'ANALYZE', 'EXPLAIN', 'CALL', 'DO', 'REFRESH', 'REINDEX', 'CLUSTER', 'CHECKPOINT',
  ],
} as const)

/** The `outcome` of `quota_checks_total`. */
export const quotaOutcomes = deepFreeze(['allowed', 'exceeded', 'error'] as const)

/** An `outcome` of `quota_checks_total`. */
export type QuotaOutcome = (typeof quotaOutcomes)[number]

/** The `direction` of `system_network_io_bytes_total`. */
export const networkDirections = deepFreeze(['receive', 'transmit'] as const)

/** The `kind` of `nodejs_gc_duration_seconds`, as prom-client names V8's GC kinds (prom-client/lib/metrics/gc.js). */
export const gcKinds = deepFreeze(['major', 'minor', 'incremental', 'weakcb'] as const)

/** The value every bounded label takes past its limit (quota names, stream names, error codes). */
export const OVERFLOW_LABEL = '_other'
