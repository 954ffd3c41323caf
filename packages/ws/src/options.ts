import { checkBuckets, checkNumber, checkObject, checkString, optionError, resolveMetrics, type Metrics } from '@intervai/metrics-core'

/** The package name used in option errors. */
export const PKG = '@intervai/metrics-ws'

/** Stream duration buckets, in seconds (they hold the 30 s streaming alert threshold). */
export const DEFAULT_STREAM_BUCKETS: readonly number[] = [0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300]
/** Connection duration buckets, in seconds: from a rejected-at-once client to a long-lived session. */
export const DEFAULT_CONNECTION_BUCKETS: readonly number[] = [0.1, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 14400]
/** Message size buckets, in bytes. */
export const DEFAULT_MESSAGE_SIZE_BUCKETS: readonly number[] = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304]

/** Options of `instrumentWebSocketServer` and `fastifyWebSocketMetrics`. */
export interface WsMetricsOptions {
  /** The metrics object from `createMetrics()`. @default a `createMetrics()` on prom-client's global registry */
  metrics?: Metrics
  /** The `server` label value, to tell several WebSocket servers apart. @default 'default' */
  server?: string
  /** Bucket upper bounds of `ws_connection_duration_seconds`, in seconds. @default [0.1, 1, 5, 10, 30, 60, 300, 900, 1800, 3600, 14400] */
  connectionBuckets?: readonly number[]
  /** Bucket upper bounds of `ws_message_size_bytes`, in bytes. @default [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304] */
  messageSizeBuckets?: readonly number[]
  /** Bucket upper bounds of `ws_stream_duration_seconds`, in seconds. @default [0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300] */
  streamBuckets?: readonly number[]
  /** How many distinct stream names are kept; later new names are recorded as `_other`. @default 50 */
  maxStreamNames?: number
}

/** Options after checking, defaults filled in. */
export interface ResolvedWsOptions {
  metrics: Metrics
  server: string
  connectionBuckets: number[]
  messageSizeBuckets: number[]
  streamBuckets: number[]
  maxStreamNames: number
}

/** Checks the options; a bad one throws a TypeError naming the option and the value. */
export function resolveOptions(options: WsMetricsOptions | undefined): ResolvedWsOptions {
  const opts = checkObject<WsMetricsOptions>(PKG, 'options', options)
  return {
    metrics: resolveMetrics(PKG, opts.metrics),
    server: checkString(PKG, 'server', opts.server, 'default'),
    connectionBuckets: checkBuckets(PKG, 'connectionBuckets', opts.connectionBuckets, DEFAULT_CONNECTION_BUCKETS),
    messageSizeBuckets: checkBuckets(PKG, 'messageSizeBuckets', opts.messageSizeBuckets, DEFAULT_MESSAGE_SIZE_BUCKETS),
    streamBuckets: checkBuckets(PKG, 'streamBuckets', opts.streamBuckets, DEFAULT_STREAM_BUCKETS),
    maxStreamNames: checkInteger('maxStreamNames', opts.maxStreamNames, 50),
  }
}

function checkInteger(option: string, value: unknown, fallback: number): number {
  const n = checkNumber(PKG, option, value, fallback, 1, 10_000)
  if (!Number.isInteger(n)) throw optionError(PKG, option, 'a whole number from 1 to 10000', value)
  return n
}
