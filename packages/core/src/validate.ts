import { optionError } from './errors.js'

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const PREFIX = /^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** Throws unless `value` is a string matching the Prometheus metric name grammar. */
export function checkMetricName(pkg: string, option: string, value: unknown): string {
  if (typeof value !== 'string' || !METRIC_NAME.test(value)) {
    throw optionError(pkg, option, 'a metric name matching [a-zA-Z_:][a-zA-Z0-9_:]*', value)
  }
  return value
}

/** Throws unless `value` is undefined or a valid metric name prefix; returns '' for undefined. */
export function checkPrefix(pkg: string, option: string, value: unknown): string {
  if (value === undefined) return ''
  if (typeof value !== 'string' || !PREFIX.test(value)) {
    throw optionError(pkg, option, 'a string matching [a-zA-Z_:][a-zA-Z0-9_:]* (or empty)', value)
  }
  return value
}

/** Throws unless `value` is a list of distinct label names (never `le`, never `__`-prefixed). */
export function checkLabelNames(pkg: string, option: string, value: unknown): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw optionError(pkg, option, 'an array of label names', value)
  const seen = new Set<string>()
  for (const name of value) {
    if (typeof name !== 'string' || !LABEL_NAME.test(name) || name.startsWith('__') || name === 'le') {
      throw optionError(pkg, option, 'label names matching [a-zA-Z_][a-zA-Z0-9_]* (not "le", not "__"-prefixed)', value)
    }
    if (seen.has(name)) throw optionError(pkg, option, 'distinct label names', value)
    seen.add(name)
  }
  return [...value] as string[]
}

/** Throws unless `value` is a non-empty, strictly increasing list of finite numbers. */
export function checkBuckets(pkg: string, option: string, value: unknown, fallback?: readonly number[]): number[] {
  if (value === undefined && fallback) return [...fallback]
  if (!Array.isArray(value) || value.length === 0) {
    throw optionError(pkg, option, 'a non-empty array of increasing finite numbers', value)
  }
  for (let i = 0; i < value.length; i++) {
    const bound: unknown = value[i]
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw optionError(pkg, option, 'a non-empty array of increasing finite numbers', value)
    }
    if (i > 0 && bound <= (value[i - 1] as number)) {
      throw optionError(pkg, option, 'strictly increasing (sorted, no duplicates)', value)
    }
  }
  if ((value[0] as number) < 0) throw optionError(pkg, option, 'bucket bounds >= 0', value)
  return [...value] as number[]
}

/** Throws unless `value` is a plain object of string label values with valid names. */
export function checkLabelValues(pkg: string, option: string, value: unknown): Record<string, string> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw optionError(pkg, option, 'an object of label name to string value', value)
  }
  const out: Record<string, string> = {}
  for (const [name, labelValue] of Object.entries(value)) {
    if (!LABEL_NAME.test(name) || name.startsWith('__') || name === 'le') {
      throw optionError(pkg, option, 'label names matching [a-zA-Z_][a-zA-Z0-9_]*', value)
    }
    if (typeof labelValue !== 'string') throw optionError(pkg, `${option}.${name}`, 'a string', labelValue)
    out[name] = labelValue
  }
  return out
}

/** Throws unless `value` is undefined or a string; returns the string or the fallback. */
export function checkString(pkg: string, option: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || value.length === 0) throw optionError(pkg, option, 'a non-empty string', value)
  return value
}

/** Throws unless `value` is undefined or a finite number within [min, max]. */
export function checkNumber(pkg: string, option: string, value: unknown, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw optionError(pkg, option, `a finite number from ${min} to ${max}`, value)
  }
  return value
}

/** Throws unless `value` is undefined or a function. */
export function checkFunction<T extends (...args: never[]) => unknown>(pkg: string, option: string, value: unknown): T | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'function') throw optionError(pkg, option, 'a function', value)
  return value as T
}

/** Throws unless `value` is undefined or a boolean. */
export function checkBoolean(pkg: string, option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw optionError(pkg, option, 'a boolean', value)
  return value
}

/** Throws unless `value` is undefined or a plain object; returns it (or {}). */
export function checkObject<T extends object>(pkg: string, option: string, value: unknown): Partial<T> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw optionError(pkg, option, 'an object', value)
  }
  return value as Partial<T>
}
