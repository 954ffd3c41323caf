// The verdict of `npm run attack`: the documented bound of every metric family, computed from the
// catalog and the options the apps were set up with, and the series a scrape holds against it.
import { httpLabels, metricCatalog, OVERFLOW_LABEL, pgLabels, quotaOutcomes, streamOutcomes, wsCloseCodes, wsDirections, wsErrorCodes, wsFailureReasons } from '@intervai/metrics-catalog'

/**
 * What one label may hold: exactly these `values`, or at most `max` distinct values.
 * @typedef {{ values?: readonly string[], max: number, basis: string }} LabelBound
 */

/**
 * The documented bound of one family: the label sets it may hold are at most the product of its
 * labels' bounds.
 * @typedef {{ family: string, type: string, labels: Record<string, LabelBound>, bound: number }} FamilyBound
 */

const oneOf = (values, basis) => ({ values: [...new Set(values)], max: new Set(values).size, basis })
const atMost = (max, basis) => ({ max, basis })

/** The `component` values of `instrumentation_errors_total` the packages record under. */
export const COMPONENTS = ['core', 'http', 'ws', 'pg', 'quota']

/** The catalog areas the attacked apps record, and the family names they must show, exactly. */
export const AREAS = ['core', 'http', 'ws', 'pg', 'quota']

/** Every family the scrape must show: the catalog's metrics of `AREAS`. */
export function expectedFamilies() {
  return AREAS.flatMap((area) => Object.values(metricCatalog[area]).map((metric) => metric.name)).sort()
}

/**
 * The bound of every family, from the catalog and the apps' options.
 * @param {{ routes: string[], statuses: string[], servers: string[], pools: string[], maxQuotas: number,
 *   maxStreamNames: number, maxErrorKinds: number, maxOtherWsErrorCodes: number }} setup routes: every
 *   route template declared (all apps); statuses: the status codes the clients were answered with
 */
export function familyBounds(setup) {
  const methods = oneOf([...httpLabels.methods, httpLabels.otherMethod], `${httpLabels.methods.length} methods + ${httpLabels.otherMethod}`)
  const routes = oneOf([...setup.routes, httpLabels.unmatchedRoute], `${new Set(setup.routes).size} templates declared + ${httpLabels.unmatchedRoute}`)
  const statuses = oneOf([...setup.statuses, httpLabels.abortedStatus], `${new Set(setup.statuses).size} statuses answered + ${httpLabels.abortedStatus}`)
  const server = oneOf(setup.servers, 'servers')
  const pool = oneOf(setup.pools, 'pools')
  const operations = oneOf([...pgLabels.operations, pgLabels.otherOperation], `${pgLabels.operations.length} commands + ${pgLabels.otherOperation}`)
  const quotas = atMost(setup.maxQuotas + 1, `maxQuotas ${setup.maxQuotas} + ${OVERFLOW_LABEL}`)
  const labels = {
    core: { instrumentationErrors: { component: oneOf(COMPONENTS, 'package components') } },
    http: {
      requestDuration: { method: methods, route: routes, status_code: statuses },
      activeRequests: { method: methods },
      errors: { method: methods, route: routes, error: atMost(setup.maxErrorKinds + 1, `${setup.maxErrorKinds} error kinds + ${OVERFLOW_LABEL}`) },
    },
    ws: {
      connectionsActive: { server },
      connectionsOpened: { server },
      connectionFailures: { server, reason: oneOf(Object.values(wsFailureReasons), 'wsFailureReasons') },
      messages: { server, direction: oneOf(wsDirections, 'directions') },
      messageSize: { server, direction: oneOf(wsDirections, 'directions') },
      connectionDuration: { server, close_code: oneOf(Object.values(wsCloseCodes), 'wsCloseCodes') },
      streamDuration: { stream: atMost(setup.maxStreamNames + 1, `maxStreamNames ${setup.maxStreamNames} + ${OVERFLOW_LABEL}`), outcome: oneOf(streamOutcomes, 'stream outcomes') },
      errors: { server, code: atMost(wsErrorCodes.length + setup.maxOtherWsErrorCodes + 1, `${wsErrorCodes.length} WS_ERR codes + ${setup.maxOtherWsErrorCodes} others + ${OVERFLOW_LABEL}`) },
    },
    pg: {
      queryDuration: { pool, operation: operations, outcome: oneOf(pgLabels.queryOutcomes, 'ok/error') },
      slowQueries: { pool, operation: operations },
      // The classes PostgreSQL defines (its manual's Appendix A: 43) and `none`.
      queryErrors: { pool, operation: operations, sqlstate_class: atMost(44, `43 SQLSTATE classes + ${pgLabels.noSqlstate}`) },
      poolConnections: { pool, state: oneOf(pgLabels.connectionStates, 'idle/used') },
      poolMaxConnections: { pool },
      poolWaitingRequests: { pool },
      poolAcquireDuration: { pool },
      poolErrors: { pool },
      transactions: { pool, outcome: oneOf(pgLabels.transactionOutcomes, 'commit/rollback') },
    },
    quota: {
      checks: { quota: quotas, outcome: oneOf(quotaOutcomes, 'quota outcomes') },
      limitHits: { quota: quotas },
    },
  }
  /** @type {FamilyBound[]} */
  const bounds = []
  for (const area of AREAS) {
    for (const [key, metric] of Object.entries(metricCatalog[area])) {
      const bound = labels[area][key]
      if (bound === undefined) throw new Error(`no bound for ${metric.name}`)
      if (Object.keys(bound).join() !== metric.labelNames.join()) throw new Error(`the bound of ${metric.name} names other labels than the catalog`)
      bounds.push({ family: metric.name, type: metric.type, labels: bound, bound: Object.values(bound).reduce((product, label) => product * label.max, 1) })
    }
  }
  return bounds
}

const SAMPLE_SUFFIXES = ['_bucket', '_sum', '_count']

/**
 * One row of the table: a family's distinct label sets (a histogram's `le` aside) against its bound.
 * @typedef {{ family: string, series: number, samples: number, bound: number, basis: string, ok: boolean, problems: string[] }} FamilyRow
 *   series: distinct label sets; samples: lines of the exposition; basis: how the bound is made
 */

/**
 * Holds every sample of a scrape to the bounds: a family over its bound, a label value outside its
 * documented set, a label bound exceeded, a label the catalog does not name, or a family nobody
 * declared, is a problem.
 * @param {Array<{ name: string, labels: Record<string, string> }>} samples a parsed scrape
 * @param {FamilyBound[]} bounds
 * @returns {{ rows: FamilyRow[], unexpected: string[] }} unexpected: sample names of no known family
 */
export function judgeFamilies(samples, bounds) {
  const byName = new Map()
  for (const bound of bounds) {
    const entry = { bound, sets: new Set(), samples: 0, values: new Map(Object.keys(bound.labels).map((label) => [label, new Set()])), problems: new Set() }
    byName.set(bound.family, entry)
    if (bound.type === 'histogram') for (const suffix of SAMPLE_SUFFIXES) byName.set(bound.family + suffix, entry)
  }
  const unexpected = new Set()
  for (const sample of samples) {
    const entry = byName.get(sample.name)
    if (entry === undefined) {
      unexpected.add(sample.name)
      continue
    }
    entry.samples++
    const names = Object.keys(sample.labels).filter((label) => !(label === 'le' && sample.name.endsWith('_bucket')))
    const wanted = Object.keys(entry.bound.labels)
    if (names.length !== wanted.length || names.some((label) => !wanted.includes(label))) {
      entry.problems.add(`labels {${names.join(',')}} are not {${wanted.join(',')}}`)
      continue
    }
    entry.sets.add(JSON.stringify(wanted.map((label) => sample.labels[label])))
    for (const label of wanted) {
      const value = sample.labels[label]
      entry.values.get(label).add(value)
      const allowed = entry.bound.labels[label].values
      if (allowed !== undefined && !allowed.includes(value)) entry.problems.add(`${label}=${JSON.stringify(value)} is outside its documented values`)
    }
  }
  const rows = bounds.map((bound) => {
    const entry = byName.get(bound.family)
    const problems = [...entry.problems]
    for (const [label, values] of entry.values) {
      const { max, basis } = bound.labels[label]
      if (values.size > max) problems.push(`${values.size} distinct ${label} values, bound ${max} (${basis})`)
    }
    if (entry.sets.size > bound.bound) problems.push(`${entry.sets.size} series, bound ${bound.bound}`)
    const basis = Object.entries(bound.labels)
      .map(([label, { basis: how, max }]) => `${label}: ${max} (${how})`)
      .join(' × ')
    return { family: bound.family, series: entry.sets.size, samples: entry.samples, bound: bound.bound, basis: basis || '1', ok: problems.length === 0, problems }
  })
  return { rows, unexpected: [...unexpected].sort() }
}

/**
 * One figure the attack holds to what its clients did.
 * @typedef {{ what: string, expected: string, actual: number, ok: boolean }} CheckRow
 */

/** A figure that must equal `expected`. */
export function exactly(what, actual, expected) {
  return { what, expected: String(expected), actual, ok: actual === expected }
}

/** A figure that must lie in `min..max`. */
export function between(what, actual, min, max) {
  return min === max ? exactly(what, actual, min) : { what, expected: `${min}..${max}`, actual, ok: actual >= min && actual <= max }
}

/**
 * Everything that makes the attack fail, one line each.
 * @param {{ rows: FamilyRow[], unexpected: string[], families: { missing: string[], extra: string[] }, checks: CheckRow[],
 *   promtool: { status: number | null, output: string } | { skipped: string }, strict: { ok: boolean, error?: string },
 *   crashed?: string, clientProblems: string[] }} result
 * @param {{ requireTools?: boolean }} [options] requireTools: a skipped promtool is a failure
 * @returns {string[]}
 */
export function failuresOf(result, { requireTools = false } = {}) {
  const failures = []
  for (const row of result.rows) if (!row.ok) failures.push(`${row.family}: ${row.problems.join('; ')}`)
  if (result.unexpected.length > 0) failures.push(`samples of no catalog family: ${result.unexpected.join(', ')}`)
  if (result.families.missing.length > 0) failures.push(`families missing from the scrape: ${result.families.missing.join(', ')}`)
  if (result.families.extra.length > 0) failures.push(`families the catalog does not declare: ${result.families.extra.join(', ')}`)
  for (const check of result.checks) if (!check.ok) failures.push(`${check.what}: ${check.actual}, expected ${check.expected}`)
  if ('skipped' in result.promtool) {
    if (requireTools) failures.push(`promtool: ${result.promtool.skipped} (required: INTERVAI_REQUIRE_TOOLS=1)`)
  } else if (result.promtool.status !== 0) failures.push(`promtool check metrics: exit ${result.promtool.status}: ${result.promtool.output.trim()}`)
  if (!result.strict.ok) failures.push(`strict OpenMetrics parse: ${result.strict.error}`)
  if (result.crashed) failures.push(`an app crashed: ${result.crashed}`)
  if (result.clientProblems.length > 0) failures.push(`clients saw ${result.clientProblems.length} problems: ${result.clientProblems.slice(0, 5).join('; ')}`)
  return failures
}
