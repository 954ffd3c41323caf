import { LABEL_NAME_PATTERN, optionError, PREFIX_PATTERN } from './errors.js'

// The checks every package's options go through, in the one package they all depend on (the
// alerts package depends on nothing else). Each throws the `optionError` naming the option.

function range(min: number, max: number): string {
  return max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`
}

/** Whether `value` is a plain object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Throws unless `value` is undefined or a plain object; returns it (or {}). */
export function checkObject<T extends object>(pkg: string, option: string, value: unknown): Partial<T> {
  if (value === undefined) return {}
  if (!isPlainObject(value)) throw optionError(pkg, option, 'an object', value)
  return value as Partial<T>
}

/**
 * Throws unless every key of `given` is one of `keys`: an unknown option is an error, never
 * ignored. `nesting` names the parent of nested options (`thresholds.`).
 */
export function checkKnownKeys(pkg: string, given: Record<string, unknown>, keys: readonly string[], nesting = ''): void {
  for (const key of Object.keys(given)) {
    if (keys.includes(key)) continue
    const expected = nesting === '' ? `one of the options (${keys.join(', ')})` : `one of ${keys.join(', ')}`
    throw optionError(pkg, `${nesting}${key}`, expected, nesting === '' ? given[key] : key)
  }
}

/** Throws unless `value` is a metric name prefix (`[a-zA-Z_:][a-zA-Z0-9_:]*`, or empty). */
export function checkPrefix(pkg: string, option: string, value: unknown): string {
  if (typeof value !== 'string' || !PREFIX_PATTERN.test(value)) {
    throw optionError(pkg, option, 'a string matching [a-zA-Z_:][a-zA-Z0-9_:]* (or empty)', value)
  }
  return value
}

/** Whether `name` can name a label of ours (never `le`, never `__`-prefixed). */
export function isLabelName(name: unknown): name is string {
  return typeof name === 'string' && LABEL_NAME_PATTERN.test(name) && !name.startsWith('__') && name !== 'le'
}

/** Throws unless `value` is a list of distinct label names. */
export function checkLabelNames(pkg: string, option: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw optionError(pkg, option, 'an array of label names', value)
  if (!value.every(isLabelName)) {
    throw optionError(pkg, option, 'label names matching [a-zA-Z_][a-zA-Z0-9_]* (not "le", not "__"-prefixed)', value)
  }
  if (new Set(value).size !== value.length) throw optionError(pkg, option, 'distinct label names', value)
  return [...value]
}

/** Throws unless `value` is undefined or a finite number within [min, max]; returns it or `fallback`. */
export function checkNumber(pkg: string, option: string, value: unknown, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw optionError(pkg, option, `a finite number ${range(min, max)}`, value)
  }
  return value
}

/** Throws unless `value` is undefined or a whole number within [min, max]; returns it or `fallback`. */
export function checkInteger(pkg: string, option: string, value: unknown, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw optionError(pkg, option, `a whole number ${range(min, max)}`, value)
  }
  return value
}

/**
 * Throws unless `value` is a non-empty string of at most `maxLength` characters; undefined
 * gives `fallback`, or throws when there is none (a required option).
 */
export function checkString(pkg: string, option: string, value: unknown, fallback?: string, maxLength = 1000): string {
  if (value === undefined && fallback !== undefined) return fallback
  if (typeof value !== 'string' || value.length === 0) throw optionError(pkg, option, 'a non-empty string', value)
  if (value.length > maxLength) throw optionError(pkg, option, `a string of at most ${maxLength} characters`, value)
  return value
}
