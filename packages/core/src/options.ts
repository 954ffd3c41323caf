import {
  checkInteger,
  checkKnownKeys,
  checkNumber,
  checkObject,
  checkPrefix,
  checkString,
  isLabelName,
  isPlainObject,
  METRIC_NAME_PATTERN,
  optionError,
} from '@intervai/metrics-catalog'

/**
 * Checks one option: returns the value to use (its default when it was left out) or throws
 * the `optionError` that names the package, the option and the value.
 */
export type OptionCheck<T> = (pkg: string, option: string, value: unknown) => T

/** The checked options of a spec. */
export type CheckedOptions<S extends Record<string, OptionCheck<unknown>>> = { [K in keyof S]: ReturnType<S[K]> }

/**
 * Checks an options object against a spec: every key must be one the spec (or `allowed`)
 * names, and every value passes its check. One rule for every package: an unknown option is
 * an error, never ignored.
 * @param allowed keys accepted and left unchecked (Fastify's own register options)
 */
export function checkOptions<S extends Record<string, OptionCheck<unknown>>>(
  pkg: string,
  value: unknown,
  spec: S,
  allowed: readonly string[] = [],
): CheckedOptions<S> {
  const given = checkObject<Record<string, unknown>>(pkg, 'options', value)
  const known = Object.keys(spec)
  checkKnownKeys(pkg, Object.fromEntries(Object.entries(given).filter(([key]) => !allowed.includes(key))), known)
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(spec)) out[key] = (spec[key] as OptionCheck<unknown>)(pkg, key, given[key])
  return out as CheckedOptions<S>
}

/** Option checks, each returning its default for `undefined`. */
export const check = {
  /** A non-empty string (at most `maxLength` characters); required when there is no default. */
  string:
    (fallback?: string, maxLength = 1000): OptionCheck<string> =>
    (pkg, option, value) =>
      checkString(pkg, option, value, fallback, maxLength),
  /** A finite number within [min, max]. */
  number:
    (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): OptionCheck<number> =>
    (pkg, option, value) =>
      checkNumber(pkg, option, value, fallback, min, max),
  /** A whole number within [min, max]. */
  integer:
    (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): OptionCheck<number> =>
    (pkg, option, value) =>
      checkInteger(pkg, option, value, fallback, min, max),
  /** A boolean. */
  boolean:
    (fallback: boolean): OptionCheck<boolean> =>
    (pkg, option, value) => {
      if (value === undefined) return fallback
      if (typeof value !== 'boolean') throw optionError(pkg, option, 'a boolean', value)
      return value
    },
  /** A function, or undefined. */
  function:
    <F extends (...args: never[]) => unknown>(): OptionCheck<F | undefined> =>
    (pkg, option, value) => {
      if (value === undefined) return undefined
      if (typeof value !== 'function') throw optionError(pkg, option, 'a function', value)
      return value as F
    },
  /** Histogram bucket bounds: a non-empty, strictly increasing list of finite numbers >= 0. */
  buckets:
    (fallback: readonly number[]): OptionCheck<number[]> =>
    (pkg, option, value) => checkBuckets(pkg, option, value ?? fallback),
  /** A metric name prefix (`[a-zA-Z_:][a-zA-Z0-9_:]*` or empty); undefined when left out. */
  prefix: (): OptionCheck<string | undefined> => (pkg, option, value) => (value === undefined ? undefined : checkPrefix(pkg, option, value)),
  /** One of a fixed set of strings. */
  oneOf:
    <T extends string>(choices: readonly T[], fallback: T): OptionCheck<T> =>
    (pkg, option, value) => {
      if (value === undefined) return fallback
      if (!choices.includes(value as T)) throw optionError(pkg, option, `one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`, value)
      return value as T
    },
  /** A list of strings (at most `max`). */
  strings:
    (fallback: readonly string[], max = 10_000): OptionCheck<string[]> =>
    (pkg, option, value) => {
      if (value === undefined) return [...fallback]
      if (!Array.isArray(value) || value.length > max || !value.every((item) => typeof item === 'string')) {
        throw optionError(pkg, option, `an array of at most ${max} strings`, value)
      }
      return [...value] as string[]
    },
  /** Anything: a package checks it further itself (nested options). */
  any: (): OptionCheck<unknown> => (_pkg, _option, value) => value,
}

/** Throws unless `value` matches the Prometheus metric name grammar. */
export function checkMetricName(pkg: string, option: string, value: unknown): string {
  if (typeof value !== 'string' || !METRIC_NAME_PATTERN.test(value)) {
    throw optionError(pkg, option, 'a metric name matching [a-zA-Z_:][a-zA-Z0-9_:]*', value)
  }
  return value
}

/** Throws unless `value` is a plain object of string label values with valid names. */
export function checkLabelValues(pkg: string, option: string, value: unknown): Record<string, string> {
  if (value === undefined) return {}
  if (!isPlainObject(value)) throw optionError(pkg, option, 'an object of label name to string value', value)
  const out: Record<string, string> = {}
  for (const [name, labelValue] of Object.entries(value)) {
    if (!isLabelName(name)) throw optionError(pkg, option, 'label names matching [a-zA-Z_][a-zA-Z0-9_]*', value)
    if (typeof labelValue !== 'string') throw optionError(pkg, `${option}.${name}`, 'a string', labelValue)
    out[name] = labelValue
  }
  return out
}

/** Throws unless `value` is a non-empty, strictly increasing list of finite numbers >= 0. */
export function checkBuckets(pkg: string, option: string, value: unknown): number[] {
  const expected = 'a non-empty array of increasing finite numbers >= 0'
  if (!Array.isArray(value) || value.length === 0) throw optionError(pkg, option, expected, value)
  for (let i = 0; i < value.length; i++) {
    const bound: unknown = value[i]
    if (typeof bound !== 'number' || !Number.isFinite(bound) || bound < 0) throw optionError(pkg, option, expected, value)
    if (i > 0 && bound <= (value[i - 1] as number)) throw optionError(pkg, option, 'strictly increasing (sorted, no duplicates)', value)
  }
  return [...value] as number[]
}

export { checkLabelNames, checkObject, checkPrefix } from '@intervai/metrics-catalog'
