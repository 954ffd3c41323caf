import * as catalog from '@intervai/metrics-catalog'
import { optionError } from '@intervai/metrics-catalog'
import { durationSeconds, isDuration } from './promql.js'

// The catalog's option checks bound to this package's name, and the two only alerts need
// (durations and selectors). Not core's: this package depends on the catalog and yaml alone.

/** The package name every option error starts with. */
export const PKG = '@intervai/metrics-alerts'

const STRING = String.raw`(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|` + '`[^`]*`)'
const MATCHER = String.raw`\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(?:=~|!~|!=|=)\s*` + STRING + String.raw`\s*`
const MATCHERS = new RegExp(String.raw`^${MATCHER}(?:,${MATCHER})*,?\s*$`)

/** `checkObject` of the catalog, for this package. */
export const checkObject = <T extends object>(option: string, value: unknown): Partial<T> => catalog.checkObject<T>(PKG, option, value)

/** `checkKnownKeys` of the catalog, for this package: an unknown option is an error, never ignored. */
export const checkKeys = (value: Record<string, unknown>, keys: readonly string[], nesting = ''): void => catalog.checkKnownKeys(PKG, value, keys, nesting)

/** The metric name prefix ('' when left out). */
export const checkPrefix = (value: unknown): string => (value === undefined ? '' : catalog.checkPrefix(PKG, 'prefix', value))

/** `checkLabelNames` of the catalog, for this package. */
export const checkLabelNames = (option: string, value: unknown): string[] => catalog.checkLabelNames(PKG, option, value)

/** `checkNumber` of the catalog, for this package. */
export const checkNumber = (option: string, value: unknown, fallback: number, min: number, max: number): number =>
  catalog.checkNumber(PKG, option, value, fallback, min, max)

/** `checkString` of the catalog, for this package. */
export const checkString = (option: string, value: unknown, fallback: string): string => catalog.checkString(PKG, option, value, fallback || undefined)

/** Throws unless `value` is a non-zero Prometheus duration (`30s`, `5m`, `1h30m`). */
export function checkDuration(option: string, value: unknown): string {
  if (typeof value !== 'string' || !isDuration(value) || durationSeconds(value) === 0) {
    throw optionError(PKG, option, 'a Prometheus duration such as "30s", "5m" or "1h"', value)
  }
  return value
}

/**
 * Throws unless `value` is an absolute http(s) URL without a `#fragment` (the caller adds its own);
 * undefined gives `fallback`.
 */
export function checkHttpUrl(option: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback
  let url: URL | undefined
  try {
    url = typeof value === 'string' ? new URL(value) : undefined
  } catch {
    url = undefined
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || (value as string).includes('#')) {
    throw optionError(PKG, option, 'an http(s) URL without a #fragment', value)
  }
  return value as string
}

/**
 * Throws unless `value` is undefined or a list of PromQL label matchers (`job="api", env!~"dev|test"`),
 * with or without the surrounding braces; returns it without braces (or '').
 */
export function checkSelector(value: unknown): string {
  if (value === undefined) return ''
  if (typeof value !== 'string') throw optionError(PKG, 'selector', 'PromQL label matchers such as job="api"', value)
  let inner = value.trim()
  if (inner.startsWith('{') && inner.endsWith('}')) inner = inner.slice(1, -1).trim()
  if (inner === '') return ''
  if (!MATCHERS.test(inner)) throw optionError(PKG, 'selector', 'PromQL label matchers such as job="api"', value)
  return inner.replace(/,\s*$/, '')
}
