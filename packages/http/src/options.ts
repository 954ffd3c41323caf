import {
  checkAuth,
  checkBuckets,
  checkPrefix,
  createMetrics,
  checkObject,
  checkString,
  optionError,
  resolveMetrics,
  type Metrics,
  type MetricsAuth,
} from '@intervai/metrics-core'

/** The package name used in option errors. */
export const PKG = '@intervai/metrics-http'

/** Histogram buckets of `http_server_request_duration_seconds`, in seconds (they contain every alert threshold). */
export const DEFAULT_HTTP_BUCKETS: readonly number[] = Object.freeze([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10])

/** Serving the metrics from the app itself. */
export interface ExposeOptions {
  /** Path of the metrics route (GET and HEAD). Requests to it are never counted. @default '/metrics' */
  path?: string
  /** Require these credentials (bearer token or basic user/password), compared in constant time. @default none */
  auth?: MetricsAuth
}

/** Options shared by the Fastify plugin and the Express middleware. */
export interface HttpMetricsOptions {
  /** The app's metrics object (`createMetrics()`). @default a shared `createMetrics()` on prom-client's global registry */
  metrics?: Metrics
  /**
   * Metric name prefix, for when no `metrics` is given (a `createMetrics({ prefix })` on
   * prom-client's global registry). With `metrics`, it must equal `metrics.prefix`.
   * @default the prefix of `metrics`, or ''
   */
  prefix?: string
  /** Upper bounds of the duration histogram, in seconds, strictly increasing, >= 0. @default [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10] */
  buckets?: readonly number[]
  /**
   * Serve the metrics on the app: `true` for `GET /metrics` without auth, or `{ path, auth }`.
   * Prefer `metrics.serve()` (a separate port on 127.0.0.1) for a public app.
   * @default false
   */
  expose?: boolean | ExposeOptions
}

/** The checked form of `expose`. */
export interface ResolvedExpose {
  path: string
  auth: MetricsAuth | undefined
}

/** Options after checking, with defaults applied. */
export interface ResolvedOptions {
  metrics: Metrics
  buckets: readonly number[]
  expose: ResolvedExpose | undefined
}

// Fastify hands its own register options to every plugin.
const KNOWN = new Set(['metrics', 'prefix', 'buckets', 'expose', 'logLevel', 'logSerializers'])
const byPrefix = new Map<string, Metrics>()

/** Checks the options; a bad one throws a TypeError naming the option and the value. */
export function resolveOptions(value: unknown): ResolvedOptions {
  const opts = checkObject<HttpMetricsOptions>(PKG, 'options', value)
  for (const key of Object.keys(opts)) {
    if (!KNOWN.has(key)) throw optionError(PKG, key, `one of the known options (${[...KNOWN].join(', ')})`, (opts as Record<string, unknown>)[key])
  }
  const prefix = opts.prefix === undefined ? undefined : checkPrefix(PKG, 'prefix', opts.prefix)
  let metrics: Metrics
  if (opts.metrics === undefined && prefix !== undefined && prefix !== '') {
    metrics = byPrefix.get(prefix) ?? createMetrics({ prefix })
    byPrefix.set(prefix, metrics)
  } else {
    metrics = resolveMetrics(PKG, opts.metrics)
    if (prefix !== undefined && prefix !== metrics.prefix) {
      throw optionError(PKG, 'prefix', `the prefix of "metrics" (${JSON.stringify(metrics.prefix)}), or left out`, prefix)
    }
  }
  return {
    metrics,
    buckets: checkBuckets(PKG, 'buckets', opts.buckets, DEFAULT_HTTP_BUCKETS),
    expose: resolveExpose(opts.expose),
  }
}

function resolveExpose(value: unknown): ResolvedExpose | undefined {
  if (value === undefined || value === false) return undefined
  if (value === true) return { path: '/metrics', auth: undefined }
  const expose = checkObject<ExposeOptions>(PKG, 'expose', value)
  const path = checkString(PKG, 'expose.path', expose.path, '/metrics')
  if (!path.startsWith('/') || /[\s?#]/.test(path)) throw optionError(PKG, 'expose.path', 'a path starting with "/" (no spaces, "?" or "#")', path)
  return { path, auth: checkAuth(PKG, 'expose.auth', expose.auth) }
}
