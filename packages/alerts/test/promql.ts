import { parser } from '@prometheus-io/lezer-promql'

/** What a PromQL expression is made of, as lezer-promql parses it. */
export interface ParsedPromql {
  /** Text of every error node (empty when the expression parses). */
  errors: string[]
  /** Metric names of every vector selector. */
  metricNames: string[]
}

/** Parses `expr` with lezer-promql and collects error nodes and selected metric names. */
export function parsePromql(expr: string): ParsedPromql {
  const errors: string[] = []
  const metricNames: string[] = []
  const cursor = parser.parse(expr).cursor()
  do {
    if (cursor.type.isError) errors.push(`at ${cursor.from}: ${JSON.stringify(expr.slice(cursor.from, cursor.to + 10))}`)
    if (cursor.name === 'Identifier' && cursor.node.parent?.name === 'VectorSelector') {
      metricNames.push(expr.slice(cursor.from, cursor.to))
    }
  } while (cursor.next())
  return { errors, metricNames }
}
