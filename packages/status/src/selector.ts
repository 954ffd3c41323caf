import { METRIC_NAME_PATTERN, LABEL_NAME_PATTERN, optionError } from '@intervai/metrics-catalog'
import type { Matcher } from './family.js'

/** A metric and label matchers, written as in PromQL: `name` or `name{label="value", other!="x"}`. */
export interface Selection {
  /** The metric name as written (the prefix of `metrics` is tried in front of it first). */
  readonly metric: string
  readonly matchers: readonly Matcher[]
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$/

/**
 * Parses a selector such as `interview_ai_suggestion_decisions_total{decision="accepted"}`
 * (matchers `=`, `!=` and `=~`, values in double quotes); throws the option error naming
 * `option` for anything else.
 */
export function parseSelection(pkg: string, option: string, text: unknown): Selection {
  const fail = (): TypeError => optionError(pkg, option, 'a metric name with optional matchers, e.g. jobs_total{status="done"}', text)
  if (typeof text !== 'string' || text.length > 500) throw fail()
  const brace = text.indexOf('{')
  const metric = (brace === -1 ? text : text.slice(0, brace)).trim()
  if (!METRIC_NAME_PATTERN.test(metric)) throw fail()
  if (brace === -1) return { metric, matchers: [] }
  const body = text.slice(brace + 1).trimEnd()
  if (!body.endsWith('}')) throw fail()
  const inner = body.slice(0, -1).trim()
  const matchers: Matcher[] = []
  if (inner !== '') {
    for (const part of splitMatchers(inner)) {
      const match = MATCHER.exec(part)
      if (!match || !LABEL_NAME_PATTERN.test(match[1] as string)) throw fail()
      const value = (match[3] as string).replace(/\\(.)/g, '$1')
      if (match[2] === '=~') {
        try {
          new RegExp(value)
        } catch {
          throw fail()
        }
      }
      matchers.push({ label: match[1] as string, op: match[2] as Matcher['op'], value })
    }
  }
  return { metric, matchers }
}

/** Splits `a="x", b="y,z"` on the commas outside quotes. */
function splitMatchers(text: string): string[] {
  const parts: string[] = []
  let start = 0
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '\\') i++
    else if (c === '"') quoted = !quoted
    else if (c === ',' && !quoted) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  const last = text.slice(start)
  if (last.trim() !== '') parts.push(last)
  return parts
}

/** The matchers as PromQL text, without braces: `decision="accepted"`. */
export function matchersText(matchers: readonly Matcher[]): string {
  return matchers.map((m) => `${m.label}${m.op}${JSON.stringify(m.value)}`).join(', ')
}
