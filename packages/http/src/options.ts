import { buckets, checkString } from '@intervai/metrics-catalog'
import type { Metrics, MetricsAuth, MetricsOptions } from '@intervai/metrics-core'
import { check, checkAuth, checkObject, optionError, resolvePackageOptions, type OptionCheck } from '@intervai/metrics-core/internal'

/** The package name used in option errors and warnings. */
export const PKG = '@intervai/metrics-http'

/** Serving the metrics from the app itself. */
export interface ExposeOptions {
  /** Path of the metrics route (GET and HEAD). Requests to it are never counted. @default '/metrics' */
  path?: string
  /** Require these credentials (bearer token or basic user/password), compared in constant time. @default none */
  auth?: MetricsAuth
}

/** Options shared by the Fastify plugin and the Express middleware. */
export interface HttpMetricsOptions extends MetricsOptions {
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

const checkExpose: OptionCheck<ResolvedExpose | undefined> = (pkg, option, value) => {
  if (value === undefined || value === false) return undefined
  if (value === true) return { path: '/metrics', auth: undefined }
  const expose = checkObject<ExposeOptions>(pkg, option, value)
  const path = checkString(pkg, `${option}.path`, expose.path, '/metrics')
  if (!path.startsWith('/') || /[\s?#]/.test(path)) throw optionError(pkg, `${option}.path`, 'a path starting with "/" (no spaces, "?" or "#")', path)
  return { path, auth: checkAuth(pkg, `${option}.auth`, expose.auth) }
}

const SPEC = {
  buckets: check.buckets(buckets.http),
  expose: checkExpose,
}

/**
 * Checks the options; a bad or unknown one throws a TypeError naming the option and the value.
 * @param allowed keys accepted and ignored (Fastify's own register options)
 */
export function resolveOptions(options: unknown, allowed?: readonly string[]): ResolvedOptions {
  return resolvePackageOptions(PKG, options, SPEC, allowed)
}
