import type { ThresholdKind } from './options.js'

/**
 * One piece of an annotation: literal text, a label of the alert, or the measured value.
 * The same parts render as a Prometheus template (for the rules) and as the text Prometheus
 * will produce for given labels and value (for the promtool tests).
 */
export type TextPart = string | { label: string } | { value: ThresholdKind }

const HUMANIZE: Record<ThresholdKind, string> = {
  ratio: 'humanizePercentage',
  seconds: 'humanizeDuration',
  count: 'humanize',
}

/** The parts as a Prometheus alert template. */
export function toTemplate(parts: readonly TextPart[]): string {
  return parts
    .map((part) => {
      if (typeof part === 'string') return part
      if ('label' in part) return `{{ $labels.${part.label} }}`
      return `{{ $value | ${HUMANIZE[part.value]} }}`
    })
    .join('')
}

/** The text Prometheus renders from the parts' template for these labels and this value. */
export function renderText(parts: readonly TextPart[], labels: Readonly<Record<string, string>>, value: number): string {
  return parts
    .map((part) => {
      if (typeof part === 'string') return part
      if ('label' in part) return labels[part.label] ?? ''
      return humanize(part.value, value)
    })
    .join('')
}

/** A threshold as people write it: `5%`, `500ms`, `2s`, `100`. */
export function formatThreshold(kind: ThresholdKind, value: number): string {
  const clean = (n: number): string => String(Number(n.toPrecision(12)))
  if (kind === 'ratio') return `${clean(value * 100)}%`
  if (kind === 'seconds') return value >= 1 || value === 0 ? `${clean(value)}s` : `${clean(value * 1000)}ms`
  return clean(value)
}

function humanize(kind: ThresholdKind, value: number): string {
  if (kind === 'ratio') return `${goG4(value * 100)}%`
  if (kind === 'seconds') return humanizeDuration(value)
  return humanizeNumber(value)
}

// Prometheus' template functions (template/template.go) print with Go's %.4g.
function goG4(value: number): string {
  if (value === 0) return '0'
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf'
  const [mantissa = '', exponentText = '0'] = value.toExponential(3).split('e')
  const exponent = Number(exponentText)
  const trim = (s: string): string => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s)
  if (exponent < -4 || exponent >= 4) {
    return `${trim(mantissa)}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`
  }
  return trim(value.toFixed(3 - exponent))
}

function humanizeDuration(seconds: number): string {
  if (seconds === 0 || !Number.isFinite(seconds)) return `${goG4(seconds)}${seconds === 0 ? 's' : ''}`
  const sign = seconds < 0 ? '-' : ''
  let v = Math.abs(seconds)
  if (v >= 1) {
    const whole = Math.trunc(v)
    const [s, m, h, d] = [whole % 60, Math.trunc(whole / 60) % 60, Math.trunc(whole / 3600) % 24, Math.trunc(whole / 86400)]
    if (d !== 0) return `${sign}${d}d ${h}h ${m}m ${s}s`
    if (h !== 0) return `${sign}${h}h ${m}m ${s}s`
    if (m !== 0) return `${sign}${m}m ${s}s`
    return `${sign}${goG4(v)}s`
  }
  let prefix = ''
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (v >= 1) break
    prefix = p
    v *= 1000
  }
  return `${sign}${goG4(v)}${prefix}s`
}

function humanizeNumber(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return goG4(value)
  let v = value
  let prefix = ''
  if (Math.abs(v) >= 1) {
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break
      prefix = p
      v /= 1000
    }
  } else {
    for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
      if (Math.abs(v) >= 1) break
      prefix = p
      v *= 1000
    }
  }
  return `${goG4(v)}${prefix}`
}
