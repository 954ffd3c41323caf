import type { Metrics } from '@intervai/metrics-core'
import type { StatusPageOptions } from '@intervai/metrics-status'
import type { FastifyServerOptions } from 'fastify'

/** Options of `buildService`. */
export interface ServiceOptions {
  /** PostgreSQL connection string of the service's database. */
  databaseUrl: string
  /** The metrics object every instrumentation shares. @default createMetrics() on prom-client's global registry */
  metrics?: Metrics
  /** Optimizations one user may create per `quotaWindowMs` (enforced by @fastify/rate-limit). @default 20 */
  quotaMax?: number
  /** Length of the quota window, in milliseconds. @default 60000 */
  quotaWindowMs?: number
  /** WebSocket streams one user may have open at once (checked in app code). @default 2 */
  maxStreamsPerUser?: number
  /** Simulated AI model latency per call, in milliseconds. @default 40 */
  modelLatencyMs?: number
  /** How long a call to the AI model may take before it counts as a dependency timeout, in milliseconds. @default 1000 */
  dependencyTimeoutMs?: number
  /** Connections of the main PostgreSQL pool. @default 10 */
  poolMax?: number
  /** Connections of the pool the rate-limit store uses (one short query per checked request). @default 4 */
  quotaPoolMax?: number
  /** Collect host CPU, memory, disk and network metrics. @default true */
  systemMetrics?: boolean
  /** Fastify's `logger` option. @default false */
  logger?: FastifyServerOptions['logger']
  /**
   * How long `close()` lets requests in flight finish and WebSocket close handshakes complete
   * before it closes their connections, in milliseconds. @default 5000
   */
  shutdownGraceMs?: number
  /** Options of the status page at `/status` (sampling interval, alert windows and `for`, auth). @default {} */
  statusPage?: Omit<StatusPageOptions, 'metrics' | 'prefix'>
}

/** Options with every default applied. */
export interface ResolvedServiceOptions extends Required<Omit<ServiceOptions, 'metrics' | 'logger' | 'statusPage'>> {
  statusPage: ServiceOptions['statusPage']
  metrics: Metrics | undefined
  logger: FastifyServerOptions['logger']
}

/** Applies defaults and rejects bad values with a TypeError naming the option. */
export function resolveServiceOptions(options: ServiceOptions): ResolvedServiceOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('buildService: options must be an object')
  if (typeof options.databaseUrl !== 'string' || options.databaseUrl.length === 0) {
    throw new TypeError(`buildService: option "databaseUrl" must be a PostgreSQL connection string, got ${String(options.databaseUrl)}`)
  }
  return {
    databaseUrl: options.databaseUrl,
    metrics: options.metrics,
    quotaMax: positive('quotaMax', options.quotaMax, 20),
    quotaWindowMs: positive('quotaWindowMs', options.quotaWindowMs, 60_000),
    maxStreamsPerUser: positive('maxStreamsPerUser', options.maxStreamsPerUser, 2),
    modelLatencyMs: nonNegative('modelLatencyMs', options.modelLatencyMs, 40),
    dependencyTimeoutMs: positive('dependencyTimeoutMs', options.dependencyTimeoutMs, 1000),
    poolMax: positive('poolMax', options.poolMax, 10),
    quotaPoolMax: positive('quotaPoolMax', options.quotaPoolMax, 4),
    systemMetrics: options.systemMetrics ?? true,
    logger: options.logger ?? false,
    shutdownGraceMs: nonNegative('shutdownGraceMs', options.shutdownGraceMs, 5000),
    // Checked by the status page itself, at registration.
    statusPage: options.statusPage,
  }
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value <= 0) throw new TypeError(`buildService: option "${name}" must be a positive integer, got ${String(value)}`)
  return value
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 0) throw new TypeError(`buildService: option "${name}" must be an integer >= 0, got ${String(value)}`)
  return value
}
