/** Prometheus metric names: `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
export const METRIC_NAME_PATTERN = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
/** Metric name prefixes: a metric name, or empty. */
export const PREFIX_PATTERN = /^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/
/** Prometheus label names: `[a-zA-Z_][a-zA-Z0-9_]*` (`__`-prefixed names are reserved). */
export const LABEL_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/

/** Renders a value for an error message: strings quoted, everything else as JSON where possible. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value)
  }
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`
  try {
    const json = JSON.stringify(value)
    return json.length > 120 ? `${json.slice(0, 117)}...` : json
  } catch {
    return Object.prototype.toString.call(value)
  }
}

/**
 * The error every package throws for a bad option at setup: it names the package, the option,
 * what was expected and the value that was given.
 */
export function optionError(pkg: string, option: string, expected: string, value: unknown): TypeError {
  return new TypeError(`${pkg}: option "${option}" must be ${expected} (got ${describeValue(value)})`)
}
