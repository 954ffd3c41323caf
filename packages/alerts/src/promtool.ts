import { stringify } from 'yaml'
import type { AlertKey } from '@intervai/metrics-catalog'
import { alertFamilies, severitiesOf, thresholdText, type AlertFamily } from './families.js'
import { prefixedNames, type PrefixedNames } from './metric-names.js'
import { resolveAlertOptions, type AlertOptions, type ResolvedAlertOptions, type Severity } from './options.js'
import { durationSeconds } from './promql.js'
import { prometheusRules } from './rules.js'
import { runbookUrl } from './runbooks.js'
import { renderText } from './template.js'

/** One `input_series` entry of a promtool test. */
interface InputSeries {
  series: string
  values: string
}

/** Synthetic series that make an alert's measured value come out at a chosen figure. */
interface Scenario {
  series: InputSeries[]
  /** Labels of the resulting alert (before `severity`). */
  labels: Record<string, string>
  /** The value Prometheus will compute from the series. */
  measured: number
}

type Labels = Record<string, string>
type Builder = (target: number, base: Labels, points: number) => Scenario

const STEP_SECONDS = 60
const MATCHER = /([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)/g

/** What `promtoolTests()` returns. */
export interface PromtoolTests {
  /** The test file as an object (`rule_files`, `evaluation_interval`, `tests`). */
  tests: Record<string, unknown>
  /** The same as YAML, for `promtool test rules`. */
  yaml: string
}

/**
 * `promtool test rules` unit tests for the rules `prometheusRules(options)` generates: for every
 * alert rule, synthetic series just above its threshold fire it with its severity after its `for`
 * (and not before), and series just below do not; every ratio and average records nothing without
 * traffic. Each firing alert is expected with its exact annotations, `runbook_url` included.
 * Requires `selector` to use `=` matchers only (the test series must carry those labels).
 * @param ruleFile the path of the rule file as the test file names it (relative to the test file)
 */
export function promtoolTests(options: AlertOptions = {}, ruleFile = 'rules.yml'): PromtoolTests {
  const resolved = resolveAlertOptions(options)
  const names = prefixedNames(resolved.prefix)
  const base = baseLabels(resolved)
  const tests: Record<string, unknown>[] = []
  for (const { alerts } of alertFamilies(resolved)) {
    for (const family of alerts) tests.push(...familyTests(resolved, names, base, family))
  }
  const file = { rule_files: [ruleFile], evaluation_interval: '1m', tests }
  return { tests: file, yaml: stringify(file, { lineWidth: 0 }) }
}

/**
 * The files of a rule set and its promtool tests: `<name>.rules.yml` and `<name>.test.yml`,
 * ready to write side by side and run with `promtool test rules <name>.test.yml`.
 */
export function promtoolFiles(options: AlertOptions, name: string): Record<string, string> {
  const ruleFile = `${name}.rules.yml`
  return {
    [ruleFile]: prometheusRules(options).yaml,
    [`${name}.test.yml`]: promtoolTests(options, ruleFile).yaml,
  }
}

function baseLabels(options: ResolvedAlertOptions): Labels {
  const labels: Labels = { job: 'api', instance: 'api-1:9464' }
  for (const label of options.groupBy) labels[label] ??= `${label}-1`
  for (const [, name, op, quoted] of options.selector.matchAll(MATCHER)) {
    if (op !== '=' || !quoted?.startsWith('"')) {
      throw new TypeError(`@intervai/metrics-alerts: promtool tests need a selector of name="value" matchers only (got ${JSON.stringify(options.selector)})`)
    }
    labels[name as string] = JSON.parse(quoted) as string
  }
  return labels
}

function familyTests(options: ResolvedAlertOptions, names: PrefixedNames, base: Labels, family: AlertFamily): Record<string, unknown>[] {
  const build = builders(options, names)[family.threshold]
  const levels = severitiesOf(options, family)
  const forOf = (s: Severity): number => durationSeconds(options.for[s])
  const onsetMax = family.threshold === 'quotaLimitHits'
    ? durationSeconds(options.windows.quota) + STEP_SECONDS
    : family.keeps === undefined ? STEP_SECONDS : durationSeconds(options.windows.rate)
  const fired = ceilStep(onsetMax + Math.max(...levels.map(([s]) => forOf(s))) + STEP_SECONDS)
  const points = fired / STEP_SECONDS + 1
  const tests: Record<string, unknown>[] = []

  const expected = (scenario: Scenario, at: number): Record<string, unknown>[] =>
    levels
      .filter(([s, t]) => scenario.measured > t && at >= onsetMax + forOf(s))
      .map(([s, t]) => ({
        exp_labels: { severity: s, ...scenario.labels },
        exp_annotations: {
          summary: renderText(family.summary(thresholdText(family, t)), scenario.labels, scenario.measured),
          description: renderText(family.description(thresholdText(family, t), s), scenario.labels, scenario.measured),
          runbook_url: runbookUrl(options.runbookBase, family.alert),
        },
      }))
  const undecided = (scenario: Scenario, at: number): boolean =>
    levels.some(([s, t]) => scenario.measured > t && at < onsetMax + forOf(s) && at >= forOf(s))

  for (const [severity, threshold] of levels) {
    const text = thresholdText(family, threshold)
    const above = justAbove(family, threshold)
    if (above !== undefined) {
      const scenario = build(above, base, points)
      const evals: Record<string, unknown>[] = []
      const early = ceilStep(forOf(severity)) - STEP_SECONDS
      if (!undecided(scenario, early)) evals.push({ eval_time: duration(early), alertname: family.alert, exp_alerts: expected(scenario, early) })
      evals.push({ eval_time: duration(fired), alertname: family.alert, exp_alerts: expected(scenario, fired) })
      tests.push({
        name: `${family.alert} ${severity} fires just above ${text}, after ${options.for[severity]}`,
        interval: '1m',
        input_series: scenario.series,
        alert_rule_test: evals,
      })
    }
    const below = justBelow(family, threshold)
    if (below !== undefined) {
      const scenario = build(below, base, points)
      tests.push({
        name: `${family.alert} ${severity} stays silent just below ${text}`,
        interval: '1m',
        input_series: scenario.series,
        alert_rule_test: [{ eval_time: duration(fired), alertname: family.alert, exp_alerts: expected(scenario, fired) }],
      })
    }
  }

  // A ratio or an average of nothing is no sample at all, never NaN, and no alert.
  if (family.kind !== 'count' && family.area !== 'system' && family.area !== 'runtime') {
    const idle = build(0, base, points)
    tests.push({
      name: `${family.alert} records nothing and stays silent without traffic`,
      interval: '1m',
      input_series: idle.series.map((s) => ({ series: s.series, values: `0+0x${points}` })),
      alert_rule_test: [{ eval_time: duration(fired), alertname: family.alert, exp_alerts: [] }],
      promql_expr_test: [{ expr: family.value, eval_time: duration(fired), exp_samples: [] }],
    })
  }
  // Traffic without a single failure records 0, so dashboards and alerts never see a gap.
  if (family.threshold === 'apiErrorRatio' || family.threshold === 'wsFailureRatio') {
    const clean = build(0, base, points)
    tests.push({
      name: `${family.alert} records 0 while every attempt succeeds`,
      interval: '1m',
      input_series: clean.series.filter((s) => !s.values.startsWith('0+0x')),
      promql_expr_test: [{ expr: family.value, eval_time: duration(fired), exp_samples: [{ labels: seriesText(family.value, clean.labels), value: 0 }] }],
    })
  }
  return tests
}

function builders(options: ResolvedAlertOptions, n: PrefixedNames): Record<AlertKey, Builder> {
  const keep = (family: readonly string[], labels: Labels): Labels => {
    const kept: Labels = {}
    for (const label of [...options.groupBy, ...family]) if (labels[label] !== undefined) kept[label] = labels[label]
    return kept
  }
  const counter = (metric: string, labels: Labels, increment: number, points: number): InputSeries => ({
    series: seriesText(metric, labels),
    values: `0+${num(increment)}x${points}`,
  })
  const gauge = (metric: string, labels: Labels, value: number, points: number): InputSeries => ({
    series: seriesText(metric, labels),
    values: `${num(value)}+0x${points}`,
  })
  const average = (metric: string, own: Labels, by: string, count: number): Builder => (target, base, points) => {
    const labels = { ...base, ...own }
    const sum = Number((target * count).toPrecision(10))
    return {
      series: [counter(`${metric}_sum`, labels, sum, points), counter(`${metric}_count`, labels, count, points)],
      labels: keep([by], labels),
      measured: sum / count,
    }
  }
  const hostGauge = (metric: string, own: Labels): Builder => (target, base, points) => {
    const value = Number(target.toPrecision(10))
    return { series: [gauge(metric, { ...base, ...own }, value, points)], labels: { ...base, ...own }, measured: value }
  }
  const quotaMinutes = durationSeconds(options.windows.quota) / STEP_SECONDS

  return {
    apiErrorRatio: (target, base, points) => {
      const total = 10000
      const errors = Math.round(target * total)
      const request = { ...base, method: 'GET', route: '/api/items' }
      return {
        series: [
          counter(`${n.http.requestDuration}_count`, { ...request, status_code: '200' }, total - errors, points),
          counter(`${n.http.requestDuration}_count`, { ...request, status_code: '500' }, errors, points),
        ],
        labels: keep([], base),
        measured: errors / total,
      }
    },
    apiLatencyP95Seconds: (target, base, points) => {
      // 90% of requests at or below `low`, the rest up to `high`: p95 interpolates to their middle.
      const low = Number((target * 0.995).toPrecision(10))
      const high = Number((target * 1.005).toPrecision(10))
      const labels = { ...base, method: 'GET', route: '/api/items', status_code: '200' }
      return {
        series: [
          counter(`${n.http.requestDuration}_bucket`, { ...labels, le: String(low) }, 900, points),
          counter(`${n.http.requestDuration}_bucket`, { ...labels, le: String(high) }, 1000, points),
          counter(`${n.http.requestDuration}_bucket`, { ...labels, le: '+Inf' }, 1000, points),
          counter(`${n.http.requestDuration}_count`, labels, 1000, points),
        ],
        labels: keep([], base),
        measured: low + (high - low) / 2,
      }
    },
    wsFailureRatio: (target, base, points) => {
      const attempts = 10000
      const failures = Math.round(target * attempts)
      const labels = { ...base, server: 'default' }
      return {
        series: [
          counter(n.ws.connectionFailures, { ...labels, reason: 'rejected' }, failures, points),
          counter(n.ws.connectionsOpened, labels, attempts - failures, points),
        ],
        labels: keep(['server'], labels),
        measured: failures / attempts,
      }
    },
    dbPoolUsageRatio: (target, base, points) => {
      const max = 1000
      const used = Math.round(target * max)
      const labels = { ...base, pool: 'main' }
      return {
        series: [
          gauge(n.pg.poolConnections, { ...labels, state: 'used' }, used, points),
          gauge(n.pg.poolConnections, { ...labels, state: 'idle' }, max - used, points),
          gauge(n.pg.poolMaxConnections, labels, max, points),
        ],
        labels,
        measured: used / max,
      }
    },
    dbQueryLatencySeconds: average(n.pg.queryDuration, { pool: 'main', operation: 'SELECT', outcome: 'ok' }, 'pool', 1000),
    streamDurationSeconds: average(n.ws.streamDuration, { stream: 'optimization', outcome: 'ok' }, 'stream', 100),
    quotaLimitHits: (target, base, points) => {
      const perStep = Number((target / quotaMinutes).toPrecision(12))
      const labels = { ...base, quota: 'api' }
      return {
        series: [counter(n.quota.limitHits, labels, perStep, points)],
        labels: keep(['quota'], labels),
        measured: perStep * quotaMinutes,
      }
    },
    cpuUtilizationRatio: hostGauge(n.system.cpuUtilization, {}),
    memoryUtilizationRatio: hostGauge(n.system.memoryUtilization, {}),
    diskUtilizationRatio: hostGauge(n.system.filesystemUtilization, { mountpoint: '/' }),
    eventLoopDelayP99Seconds: hostGauge(n.runtime.eventLoopDelayP99, {}),
    eventLoopUtilizationRatio: hostGauge(n.runtime.eventLoopUtilization, {}),
    heapUsageRatio: (target, base, points) => {
      const limit = 4_345_298_944
      const used = Math.round(target * limit)
      return {
        series: [gauge(n.runtime.heapUsed, base, used, points), gauge(n.runtime.heapLimit, base, limit, points)],
        labels: base,
        measured: used / limit,
      }
    },
  }
}

// Just above and below: 1% off the threshold, or the next whole number for counts.
function justAbove(family: AlertFamily, threshold: number): number | undefined {
  if (family.kind === 'count') return Math.floor(threshold) + 1
  const value = threshold === 0 ? 0.01 : threshold * 1.01
  return family.kind === 'ratio' && value > 1 ? undefined : value
}

function justBelow(family: AlertFamily, threshold: number): number | undefined {
  if (threshold === 0) return undefined
  return family.kind === 'count' ? Math.ceil(threshold) - 1 : threshold * 0.99
}

function seriesText(metric: string, labels: Labels): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}=${JSON.stringify(value)}`)
  return `${metric}{${pairs.join(', ')}}`
}

function num(value: number): string {
  return String(Number(value.toPrecision(12)))
}

function ceilStep(seconds: number): number {
  return Math.ceil(seconds / STEP_SECONDS) * STEP_SECONDS
}

function duration(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`
}
