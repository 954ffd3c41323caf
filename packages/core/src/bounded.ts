import { OVERFLOW_LABEL } from '@intervai/metrics-catalog'
import { check, checkOptions } from './options.js'

/** Options of `boundedLabel`. */
export interface BoundedLabelOptions {
  /** How many distinct values are kept before every new one becomes `overflow`. @default 100 */
  limit?: number
  /** The value that stands for every value past the limit (and for unusable ones). @default '_other' */
  overflow?: string
  /** Values longer than this many characters become `overflow`. @default 100 */
  maxLength?: number
  /** Values known up front: always allowed, and not counted against the limit. @default [] */
  known?: readonly string[]
}

const PKG = '@intervai/metrics-core'

/** Maps outside values onto a bounded set of label values. */
export interface BoundedLabel {
  (value: unknown): string
  /** The distinct values admitted so far (known ones included). */
  readonly size: number
}

/**
 * Bounds a label whose values come from outside (names chosen by callers, codes from peers):
 * the first `limit` distinct values pass through, every later one becomes `overflow`.
 */
export function boundedLabel(options: BoundedLabelOptions = {}): BoundedLabel {
  const { limit, overflow, maxLength, known: knownValues } = checkOptions(PKG, options, {
    limit: check.integer(100, 0),
    overflow: check.string(OVERFLOW_LABEL),
    maxLength: check.integer(100, 1),
    known: check.strings([]),
  })
  const known = new Set(knownValues)
  const admitted = new Set<string>()
  const bound = ((value: unknown): string => {
    const text = typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined
    if (text === undefined || text.length === 0 || text.length > maxLength) return overflow
    if (known.has(text) || admitted.has(text)) return text
    if (admitted.size >= limit) return overflow
    admitted.add(text)
    return text
  }) as BoundedLabel
  Object.defineProperty(bound, 'size', { get: () => known.size + admitted.size })
  return bound
}
