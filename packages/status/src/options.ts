import { defaultRunbookBase, durationSeconds, resolveAlertOptions, type AlertOptions, type ResolvedAlertOptions } from '@intervai/metrics-alerts'
import type { Metrics, MetricsAuth } from '@intervai/metrics-core'
import { check, checkAuth, checkOptions, optionError, resolvePackageOptions } from '@intervai/metrics-core/internal'
import { LABEL_NAME_PATTERN } from '@intervai/metrics-catalog'
import type { PlannedSelection } from './plan.js'
import { parseSelection, type Selection } from './selector.js'
import type { BusinessPanel, StatusPageOptions, StatusUnit } from './types.js'

/** The package name every option error starts with. */
export const PKG = '@intervai/metrics-status'

/** Where runbook links point by default: the runbooks of the alerts package, as its rules say. */
export const DEFAULT_RUNBOOK_BASE = defaultRunbookBase

const UNITS: readonly StatusUnit[] = ['count', 'ratio', 'seconds', 'bytes', 'bytesPerSecond', 'perSecond', 'perMinute', 'perHour']
const PER = { second: 1, minute: 60, hour: 3600 } as const
const PER_UNIT = { second: 'perSecond', minute: 'perMinute', hour: 'perHour' } as const

/** A business panel, checked: its figure and the families that read it. */
export interface ResolvedBusinessPanel {
  readonly title: string
  readonly description: string | undefined
  readonly unit: StatusUnit
  readonly by: string | undefined
  readonly value:
    | { kind: 'rate'; family: string; selection: Selection; per: number }
    | { kind: 'average'; family: string; selection: Selection }
    | { kind: 'ratio'; numerator: string; denominator: string; selections: [Selection, Selection] }
}

/** Where the page reads its figures from a Prometheus server. */
export interface ResolvedSource {
  readonly prometheus: string
  readonly headers: Readonly<Record<string, string>>
  readonly timeoutMs: number
}

/** Every option with its default filled in. */
export interface ResolvedStatusOptions {
  readonly metrics: Metrics
  readonly path: string
  readonly auth: MetricsAuth | undefined
  readonly title: string
  readonly intervalMs: number
  readonly historyMs: number
  readonly alerts: ResolvedAlertOptions
  readonly rateWindowMs: number
  readonly quotaWindowMs: number
  readonly runbookBase: string
  readonly business: readonly ResolvedBusinessPanel[]
  /** Every selection of the business panels, for the sampler's plan. */
  readonly selections: readonly PlannedSelection[]
  readonly discoverBusiness: boolean
  readonly maxRoutes: number
  readonly maxLines: number
  readonly source: ResolvedSource | undefined
}

/**
 * Checks the options and fills in the defaults; a bad option throws a TypeError naming it.
 * @param allowed keys accepted and ignored (Fastify's own register options)
 */
export function resolveStatusOptions(options: StatusPageOptions | undefined, allowed: readonly string[] = []): ResolvedStatusOptions {
  const o = resolvePackageOptions(
    PKG,
    options,
    {
      path: check.string('/status', 200),
      auth: check.any(),
      title: check.string('Status', 200),
      intervalMs: check.integer(5000, 50, 3_600_000),
      historyMs: check.integer(3_600_000, 1000, 7 * 86_400_000),
      alerts: check.any(),
      runbookBase: check.string(DEFAULT_RUNBOOK_BASE, 2000),
      business: check.any(),
      discoverBusiness: check.boolean(true),
      maxRoutes: check.integer(100, 1, 10_000),
      maxLines: check.integer(10, 1, 100),
      source: check.any(),
    },
    allowed,
  )
  if (!/^\/[^?#\s]*$/.test(o.path) || (o.path.length > 1 && o.path.endsWith('/')) || o.path === '/') {
    throw optionError(PKG, 'path', 'a path such as "/status" (starting with "/", not ending with "/")', o.path)
  }
  if (o.historyMs < o.intervalMs) throw optionError(PKG, 'historyMs', `at least intervalMs (${o.intervalMs})`, o.historyMs)
  if (!isHttpUrl(o.runbookBase)) throw optionError(PKG, 'runbookBase', 'an http(s) URL', o.runbookBase)
  const alerts = resolveAlerts(o.alerts, o.metrics.prefix)
  const { business, selections } = resolveBusiness(o.business)
  return {
    metrics: o.metrics,
    path: o.path,
    auth: checkAuth(PKG, 'auth', o.auth),
    title: o.title,
    intervalMs: o.intervalMs,
    historyMs: o.historyMs,
    alerts,
    rateWindowMs: durationSeconds(alerts.windows.rate) * 1000,
    quotaWindowMs: durationSeconds(alerts.windows.quota) * 1000,
    runbookBase: o.runbookBase,
    business,
    selections,
    discoverBusiness: o.discoverBusiness,
    maxRoutes: o.maxRoutes,
    maxLines: o.maxLines,
    source: resolveSource(o.source),
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text)
    return url.protocol === 'http:' || url.protocol === 'https:'
  } catch {
    return false
  }
}

function resolveAlerts(value: unknown, prefix: string): ResolvedAlertOptions {
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) throw optionError(PKG, 'alerts', 'the options of prometheusRules()', value)
  const given = (value ?? {}) as AlertOptions
  if (given.prefix !== undefined && given.prefix !== prefix) {
    throw optionError(PKG, 'alerts.prefix', `the prefix of "metrics" (${JSON.stringify(prefix)}), or left out`, given.prefix)
  }
  return resolveAlertOptions({ ...given, prefix })
}

function resolveSource(value: unknown): ResolvedSource | undefined {
  if (value === undefined) return undefined
  const source = checkOptions(PKG, value, { prometheus: check.string(undefined, 2000), headers: check.any(), timeoutMs: check.integer(5000, 100, 120_000) })
  if (!isHttpUrl(source.prometheus)) throw optionError(PKG, 'source.prometheus', 'the http(s) URL of a Prometheus server', source.prometheus)
  if (new URL(source.prometheus).username !== '') {
    throw optionError(PKG, 'source.prometheus', 'a URL without credentials (put them in source.headers)', source.prometheus)
  }
  const headers = source.headers ?? {}
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers) || !Object.values(headers).every((v) => typeof v === 'string')) {
    throw optionError(PKG, 'source.headers', 'an object of header name to string value', headers)
  }
  return { prometheus: source.prometheus.replace(/\/+$/, ''), headers: { ...(headers as Record<string, string>) }, timeoutMs: source.timeoutMs }
}

function resolveBusiness(value: unknown): { business: ResolvedBusinessPanel[]; selections: PlannedSelection[] } {
  if (value === undefined) return { business: [], selections: [] }
  if (!Array.isArray(value) || value.length > 50) throw optionError(PKG, 'business', 'an array of at most 50 business panels', value)
  const business: ResolvedBusinessPanel[] = []
  const selections: PlannedSelection[] = []
  value.forEach((panel: unknown, i) => {
    const option = `business[${i}]`
    const p = checkOptions(`${PKG}: ${option}`, panel, {
      title: check.string(undefined, 200),
      by: check.any(),
      unit: check.any(),
      description: check.any(),
      rate: check.any(),
      per: check.oneOf(['second', 'minute', 'hour'] as const, 'second'),
      average: check.any(),
      ratio: check.any(),
    }) as BusinessPanel & { per: keyof typeof PER; rate?: unknown; average?: unknown; ratio?: unknown }
    const figures = (['rate', 'average', 'ratio'] as const).filter((key) => p[key] !== undefined)
    if (figures.length !== 1) throw optionError(PKG, option, 'one of "rate", "average" or "ratio"', panel)
    if ((panel as { per?: unknown }).per !== undefined && p.rate === undefined) throw optionError(PKG, `${option}.per`, 'left out unless the panel is a "rate"', p.per)
    if (p.by !== undefined && (typeof p.by !== 'string' || !LABEL_NAME_PATTERN.test(p.by))) throw optionError(PKG, `${option}.by`, 'a label name', p.by)
    if (p.unit !== undefined && !UNITS.includes(p.unit)) throw optionError(PKG, `${option}.unit`, `one of ${UNITS.join(', ')}`, p.unit)
    if (p.description !== undefined && (typeof p.description !== 'string' || p.description.length > 500)) {
      throw optionError(PKG, `${option}.description`, 'a string of at most 500 characters', p.description)
    }
    const family = `business.${i}`
    const common = { title: p.title, description: p.description, by: p.by }
    if (p.rate !== undefined) {
      const selection = parseSelection(PKG, `${option}.rate`, p.rate)
      selections.push({ family, selection, kind: 'counter', by: p.by })
      business.push({ ...common, unit: p.unit ?? PER_UNIT[p.per], value: { kind: 'rate', family, selection, per: PER[p.per] } })
    } else if (p.average !== undefined) {
      const selection = parseSelection(PKG, `${option}.average`, p.average)
      selections.push({ family, selection, kind: 'histogram', by: p.by })
      business.push({ ...common, unit: p.unit ?? 'count', value: { kind: 'average', family, selection } })
    } else {
      const ratio = checkOptions(`${PKG}: ${option}.ratio`, p.ratio, { numerator: check.any(), denominator: check.any() })
      const numerator = parseSelection(PKG, `${option}.ratio.numerator`, ratio.numerator)
      const denominator = parseSelection(PKG, `${option}.ratio.denominator`, ratio.denominator)
      selections.push({ family: `${family}.numerator`, selection: numerator, kind: 'counter', by: p.by })
      selections.push({ family: `${family}.denominator`, selection: denominator, kind: 'counter', by: p.by })
      business.push({
        ...common,
        unit: p.unit ?? 'ratio',
        value: { kind: 'ratio', numerator: `${family}.numerator`, denominator: `${family}.denominator`, selections: [numerator, denominator] },
      })
    }
  })
  return { business, selections }
}
