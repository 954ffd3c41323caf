import { createHash, timingSafeEqual } from 'node:crypto'
import { optionError } from '@intervai/metrics-catalog'

/** Credentials for `/metrics`: a bearer token, or a basic-auth user and password. */
export type MetricsAuth = { bearer: string } | { username: string; password: string }

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

function sameSecret(given: string, expected: string): boolean {
  // Hashing first makes the comparison constant-time whatever the lengths.
  return timingSafeEqual(digest(given), digest(expected))
}

/** Throws at setup unless `auth` is undefined or a usable credential object. */
export function checkAuth(pkg: string, option: string, auth: unknown): MetricsAuth | undefined {
  if (auth === undefined) return undefined
  const value = auth as Record<string, unknown>
  if (typeof auth === 'object' && auth !== null) {
    if (typeof value.bearer === 'string' && value.bearer.length > 0) return { bearer: value.bearer }
    if (typeof value.username === 'string' && typeof value.password === 'string' && value.password.length > 0) {
      return { username: value.username, password: value.password }
    }
  }
  throw optionError(pkg, option, '{ bearer: string } or { username: string, password: string }', auth)
}

/** Whether an `Authorization` header carries the configured credentials (always true without auth). */
export function isAuthorized(header: string | undefined, auth: MetricsAuth | undefined): boolean {
  if (auth === undefined) return true
  if (typeof header !== 'string') return false
  if ('bearer' in auth) {
    return header.startsWith('Bearer ') && sameSecret(header.slice(7).trim(), auth.bearer)
  }
  if (!header.startsWith('Basic ')) return false
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
  return sameSecret(decoded, `${auth.username}:${auth.password}`)
}

/** The `WWW-Authenticate` challenge for a 401. */
export function challengeOf(auth: MetricsAuth): string {
  return 'bearer' in auth ? 'Bearer realm="metrics"' : 'Basic realm="metrics", charset="UTF-8"'
}
