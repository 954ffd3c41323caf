import { pgLabels } from '@intervai/metrics-catalog'

const OTHER: string = pgLabels.otherOperation
const KNOWN: ReadonlySet<string> = new Set(pgLabels.operations)

// First keywords whose command tag is another word.
const ALIASES: Readonly<Record<string, string>> = { END: 'COMMIT', ABORT: 'ROLLBACK', VALUES: 'SELECT', TABLE: 'SELECT' }

/** The `operation` label for a successful query: Postgres' own command tag, if it is a known one. */
export function operationOfCommand(command: unknown): string {
  return typeof command === 'string' && KNOWN.has(command) ? command : OTHER
}

/** The `operation` label for a failed query: the first SQL keyword, mapped onto the known set. */
export function operationOfText(text: string | undefined): string {
  if (text === undefined) return OTHER
  const word = firstWord(text, skipNoise(text, 0))
  if (word === undefined) return OTHER
  const upper = word.toUpperCase()
  const alias = ALIASES[upper]
  if (alias !== undefined) return alias
  return KNOWN.has(upper) ? upper : OTHER
}

/**
 * Whether a statement answered with the COMMIT or ROLLBACK tag ended a transaction. Postgres
 * answers `ROLLBACK TO SAVEPOINT` with the ROLLBACK tag too, and node-postgres reduces
 * `COMMIT PREPARED` / `ROLLBACK PREPARED` to their first word: neither ends the session's transaction.
 */
export function endsTransaction(text: string | undefined): boolean {
  if (text === undefined) return true
  const start = skipNoise(text, 0)
  const first = firstWord(text, start)
  if (first === undefined) return true
  let at = skipNoise(text, start + first.length)
  let next = firstWord(text, at)?.toUpperCase()
  if (next === 'PREPARED') return false
  if (next === 'WORK' || next === 'TRANSACTION') {
    at = skipNoise(text, at + next.length)
    next = firstWord(text, at)?.toUpperCase()
  }
  return next !== 'TO'
}

/** Skips whitespace, opening parentheses and comments from `i`; returns the next index. */
function skipNoise(text: string, i: number): number {
  const n = text.length
  while (i < n) {
    const c = text.charCodeAt(i)
    if (c === 32 || c === 40 || (c >= 9 && c <= 13)) i++
    else if (c === 45 && text.charCodeAt(i + 1) === 45) {
      const end = text.indexOf('\n', i + 2)
      i = end === -1 ? n : end + 1
    } else if (c === 47 && text.charCodeAt(i + 1) === 42) {
      // Postgres block comments nest.
      let depth = 1
      i += 2
      while (i < n && depth > 0) {
        if (text.charCodeAt(i) === 47 && text.charCodeAt(i + 1) === 42) {
          depth++
          i += 2
        } else if (text.charCodeAt(i) === 42 && text.charCodeAt(i + 1) === 47) {
          depth--
          i += 2
        } else i++
      }
    } else break
  }
  return i
}

function firstWord(text: string, i: number): string | undefined {
  let end = i
  while (end < text.length) {
    const c = text.charCodeAt(end) | 32
    if (c < 97 || c > 122) break
    end++
  }
  return end > i ? text.slice(i, end) : undefined
}

// One pass over the SQL: comments (dropped), quoted identifiers (kept), then the literals
// replaced: E'' strings with backslash escapes, '' strings with an optional B/X/N/U& prefix,
// dollar-quoted strings, and numbers. An unterminated literal runs to the end of the text.
const TOKENS =
  /--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|"(?:[^"]|"")*(?:"|$)|(?<![\w$])[Ee]'(?:[^'\\]|\\[\s\S]|'')*(?:'|$)|(?<![\w$])(?:[BbXxNn]|[Uu]&)?'(?:[^']|'')*(?:'|$)|\$([A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$[\s\S]*?(?:\$\1\$|$)|(?<![\w$])(?:0[xXoObB][0-9a-fA-F_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?)/g

/** The placeholder that stands for every literal in `onSlowQuery`'s `text`. */
const PLACEHOLDER = '?'

/**
 * The SQL with every literal (strings, dollar-quoted strings, numbers) replaced by `?` and
 * comments removed, so it can be logged without the data it carried. Bind parameters (`$1`)
 * are kept as they are: their values are never part of the text.
 */
export function redactSql(text: string): string {
  return text.replace(TOKENS, (token) => {
    const c = token.charCodeAt(0)
    if (c === 34) return token // "quoted identifier"
    if (c === 45 || (c === 47 && token.charCodeAt(1) === 42)) return ' '
    return PLACEHOLDER
  })
}

// SQLSTATE classes of PostgreSQL (Appendix A of its manual).
const SQLSTATE_CLASSES = new Set([
  '00', '01', '02', '03', '08', '09', '0A', '0B', '0F', '0L', '0P', '0Z', '20', '21', '22', '23', '24', '25',
  '26', '27', '28', '2B', '2D', '2F', '34', '38', '39', '3B', '3D', '3F', '40', '42', '44', '53', '54', '55',
  '57', '58', '72', 'F0', 'HV', 'P0', 'XX',
])

const NO_SQLSTATE: string = pgLabels.noSqlstate

/** The two-character SQLSTATE class of a query error, or `none` when it has no SQLSTATE. */
export function sqlstateClass(error: unknown): string {
  const code = (error as { code?: unknown } | null | undefined)?.code
  if (typeof code !== 'string' || code.length !== 5) return NO_SQLSTATE
  const cls = code.slice(0, 2)
  return SQLSTATE_CLASSES.has(cls) ? cls : NO_SQLSTATE
}

/** The SQL text of a query string, a query config (`{ text }`) or a Submittable (pg-cursor, pg-query-stream). */
export function textOf(source: unknown): string | undefined {
  if (typeof source === 'string') return source
  if (source === null || typeof source !== 'object') return undefined
  const text = (source as { text?: unknown }).text
  if (typeof text === 'string') return text
  // pg-query-stream keeps the text on its pg-cursor.
  const inner = (source as { cursor?: { text?: unknown } }).cursor?.text
  return typeof inner === 'string' ? inner : undefined
}
