/** One sample parsed back from an exposition. */
export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** A parsed scrape: samples in order, and the TYPE declared per family. */
export interface Parsed {
  samples: Sample[]
  types: Map<string, string>
  eof: boolean
}

/**
 * A strict parser for Prometheus text 0.0.4 and OpenMetrics 1.0 as we emit them: it throws on any
 * line it cannot read, so a test that parses a scrape also proves the scrape is well-formed.
 */
export function parseExposition(text: string): Parsed {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  let eof = false
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  for (const [index, line] of lines.entries()) {
    if (eof) throw new Error(`line ${index + 1}: content after # EOF`)
    if (line === '# EOF') {
      eof = true
      continue
    }
    if (line === '') continue
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line)
      if (!match) throw new Error(`line ${index + 1}: bad comment ${JSON.stringify(line)}`)
      if (match[1] === 'TYPE') types.set(match[2] as string, match[3] as string)
      continue
    }
    samples.push(parseSample(line, index + 1))
  }
  return { samples, types, eof }
}

function parseSample(line: string, lineNo: number): Sample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)
  if (!nameMatch) throw new Error(`line ${lineNo}: no metric name in ${JSON.stringify(line)}`)
  const name = nameMatch[0]
  let i = name.length
  const labels: Record<string, string> = Object.create(null)
  if (line[i] === '{') {
    i++
    while (line[i] !== '}') {
      const key = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i))
      if (!key) throw new Error(`line ${lineNo}: bad label name at ${i}`)
      i += key[0].length
      if (line.slice(i, i + 2) !== '="') throw new Error(`line ${lineNo}: expected =" at ${i}`)
      i += 2
      let value = ''
      for (;;) {
        const ch = line[i]
        if (ch === undefined) throw new Error(`line ${lineNo}: unterminated label value`)
        if (ch === '"') break
        if (ch === '\\') {
          const next = line[i + 1]
          if (next === 'n') value += '\n'
          else if (next === '\\' || next === '"') value += next
          else throw new Error(`line ${lineNo}: bad escape \\${next}`)
          i += 2
        } else {
          value += ch
          i++
        }
      }
      i++
      if (key[0] in labels) throw new Error(`line ${lineNo}: duplicate label ${key[0]}`)
      labels[key[0]] = value
      if (line[i] === ',') i++
      else if (line[i] !== '}') throw new Error(`line ${lineNo}: expected , or } at ${i}`)
    }
    i++
  }
  const rest = line.slice(i)
  const valueMatch = /^ (\S+)( -?\d+(\.\d+)?)?$/.exec(rest)
  if (!valueMatch) throw new Error(`line ${lineNo}: bad value part ${JSON.stringify(rest)}`)
  const raw = valueMatch[1] as string
  const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : raw === 'NaN' ? NaN : Number(raw)
  if (Number.isNaN(value) && raw !== 'NaN') throw new Error(`line ${lineNo}: bad number ${raw}`)
  return { name, labels: { ...labels }, value }
}

/** The value of the one sample with this name and exactly these labels (undefined if absent). */
export function valueOf(parsed: Parsed | Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const samples = Array.isArray(parsed) ? parsed : parsed.samples
  const wanted = Object.entries(labels)
  const found = samples.filter(
    (s) => s.name === name && Object.keys(s.labels).length === wanted.length && wanted.every(([k, v]) => s.labels[k] === v),
  )
  if (found.length > 1) throw new Error(`${found.length} samples match ${name} ${JSON.stringify(labels)}`)
  return found[0]?.value
}

/** Sum of every sample with this name whose labels include the given pairs. */
export function sumOf(parsed: Parsed | Sample[], name: string, labels: Record<string, string> = {}): number {
  const samples = Array.isArray(parsed) ? parsed : parsed.samples
  const wanted = Object.entries(labels)
  return samples.filter((s) => s.name === name && wanted.every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0)
}
