const NEEDS_ESCAPE = /[\\"\n]/

/** Escapes a label value for the text exposition formats (backslash, double quote, newline). */
export function escapeLabelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

/** Escapes HELP text (backslash and newline). */
export function escapeHelp(help: string): string {
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

/** Formats a sample value: integers plainly, NaN and infinities as the formats spell them. */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value)
  if (Number.isNaN(value)) return 'NaN'
  return value > 0 ? '+Inf' : '-Inf'
}

/** Renders `name="value"` pairs, escaped, in the given order. */
export function labelText(names: readonly string[], values: readonly string[]): string {
  let text = ''
  for (let i = 0; i < names.length; i++) {
    if (i > 0) text += ','
    text += `${names[i]}="${escapeLabelValue(values[i] as string)}"`
  }
  return text
}
