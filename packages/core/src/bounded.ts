import { optionError } from './errors.js'

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
  const limit = options.limit ?? 100
  const overflow = options.overflow ?? '_other'
  const maxLength = options.maxLength ?? 100
  if (!Number.isInteger(limit) || limit < 0) throw optionError('@intervai/metrics-core', 'limit', 'a whole number >= 0', limit)
  if (typeof overflow !== 'string' || overflow === '') throw optionError('@intervai/metrics-core', 'overflow', 'a non-empty string', overflow)
  const known = new Set(options.known ?? [])
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
