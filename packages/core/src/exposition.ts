/** The two text exposition formats. */
export type ExpositionFormat = 'prometheus' | 'openmetrics'

/** Content type of the Prometheus text format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'
/** Content type of OpenMetrics 1.0.0. */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8'

/** Picks the format an `Accept` header asks for: OpenMetrics when it names it, else Prometheus text. */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  return accept !== undefined && accept.includes('application/openmetrics-text') ? 'openmetrics' : 'prometheus'
}

/** The content type of a format. */
export function contentTypeOf(format: ExpositionFormat): string {
  return format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE
}

const NEEDS_ESCAPE = /[\\"\n]/

/** Escapes a label value for both text formats (backslash, double quote, newline). */
export function escapeLabelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

/** One `name="value"` pair, escaped. */
export function labelPair(name: string, value: string): string {
  return `${name}="${escapeLabelValue(value)}"`
}

/** Joins two label texts (either may be empty) with a comma. */
export function joinLabels(a: string, b: string): string {
  return a && b ? `${a},${b}` : a || b
}

/** Formats a sample value: numbers plainly, NaN and infinities as the formats spell them. */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value)
  if (Number.isNaN(value)) return 'NaN'
  return value > 0 ? '+Inf' : '-Inf'
}

/** The family name a format declares: OpenMetrics names a counter without its `_total`. */
export function familyName(name: string, type: string, format: ExpositionFormat): string {
  return format === 'openmetrics' && type === 'counter' && name.endsWith('_total') ? name.slice(0, -6) : name
}

/** The `# HELP` and `# TYPE` lines of a family. */
export function familyHeader(name: string, help: string, type: string, format: ExpositionFormat): string {
  const family = familyName(name, type, format)
  const escaped = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
  const shownType = format === 'openmetrics' && type === 'untyped' ? 'unknown' : type
  return `# HELP ${family} ${format === 'openmetrics' ? escaped.replace(/"/g, '\\"') : escaped}\n# TYPE ${family} ${shownType}\n`
}

/** The start of a sample line, up to and including the space before the value. */
export function sampleStart(name: string, labelText: string): string {
  return labelText ? `${name}{${labelText}} ` : `${name} `
}
