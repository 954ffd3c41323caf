import { buckets } from '@intervai/metrics-catalog'
import type { Metrics, MetricsOptions } from '@intervai/metrics-core'
import { check, resolvePackageOptions } from '@intervai/metrics-core/internal'

/** The package name used in option errors and warnings. */
export const PKG = '@intervai/metrics-ws'

/** Options of `instrumentWebSocketServer` and `fastifyWebSocketMetrics`. */
export interface WsMetricsOptions extends MetricsOptions {
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

const SPEC = {
  server: check.string('default'),
  connectionBuckets: check.buckets(buckets.wsConnection),
  messageSizeBuckets: check.buckets(buckets.wsMessageSize),
  streamBuckets: check.buckets(buckets.stream),
  maxStreamNames: check.integer(50, 1, 10_000),
}

/**
 * Checks the options; a bad or unknown one throws a TypeError naming the option and the value.
 * @param allowed keys accepted and ignored (Fastify's own register options)
 */
export function resolveOptions(options: unknown, allowed?: readonly string[]): ResolvedWsOptions {
  return resolvePackageOptions(PKG, options, SPEC, allowed)
}

/** What two instrumentations of one server must agree on, compared item by item by `instrumentOnce`. */
export function identityOf(options: ResolvedWsOptions): unknown[] {
  const { metrics, server, connectionBuckets, messageSizeBuckets, streamBuckets, maxStreamNames } = options
  return [metrics, server, String(connectionBuckets), String(messageSizeBuckets), String(streamBuckets), maxStreamNames]
}
