import { metricCatalog, quotaOutcomes, type QuotaOutcome } from '@intervai/metrics-catalog'
import { boundedLabel, type BoundedLabel, type Counter, type CounterSeries, type Metrics } from '@intervai/metrics-core'
import { sharedState } from '@intervai/metrics-core/internal'
import { DEFAULT_MAX_QUOTAS, PKG, resolveQuotaMetricsOptions, type QuotaMetricsOptions } from './options.js'

export type { QuotaOutcome }

/** The `component` of `instrumentation_errors_total` for this package. */
export const COMPONENT = 'quota'

/** The series of one quota, created together so every outcome shows 0 from the start. */
export type QuotaSeries = Readonly<Record<QuotaOutcome, CounterSeries>> & { readonly hits: CounterSeries }

/**
 * The quota series of one registry (and prefix), shared by every hook, store and recorder that
 * records into its `quota_checks_total`, whichever `Metrics` object they were given.
 */
export class QuotaCounters {
  private readonly names: BoundedLabel
  private readonly byName = new Map<string, QuotaSeries>()

  constructor(
    private readonly checks: Counter<'quota' | 'outcome'>,
    private readonly hits: Counter<'quota'>,
    /** The bound in effect: how many quota names get series of their own. */
    readonly maxQuotas: number,
  ) {
    this.names = boundedLabel({ limit: maxQuotas })
  }

  /** The series of a quota; names past the bound share the overflow series. */
  series(quota: unknown): QuotaSeries {
    const name = this.names(quota)
    let found = this.byName.get(name)
    if (found === undefined) {
      const series = { hits: this.hits.labels(name) } as Record<QuotaOutcome | 'hits', CounterSeries>
      for (const outcome of quotaOutcomes) series[outcome] = this.checks.labels(name, outcome)
      found = series
      this.byName.set(name, found)
    }
    return found
  }
}

/**
 * The quota counters of the registry `metrics` records into, created on first use. The first
 * `maxQuotas` given wins; a different one given later gets a warning.
 */
export function quotaCounters(metrics: Metrics, maxQuotas?: number): QuotaCounters {
  const checks = metrics.counter(metricCatalog.quota.checks)
  const hits = metrics.counter(metricCatalog.quota.limitHits)
  const counters = sharedState(checks, `${PKG}:counters`, () => new QuotaCounters(checks, hits, maxQuotas ?? DEFAULT_MAX_QUOTAS))
  if (maxQuotas !== undefined && maxQuotas !== counters.maxQuotas) {
    process.emitWarning(`${PKG}: maxQuotas ${maxQuotas} ignored, the quota names of this registry are already bounded at ${counters.maxQuotas}`, {
      type: 'IntervAIMetricsWarning',
      code: 'INTERVAI_METRICS_QUOTA_BOUND',
    })
  }
  return counters
}

/** Records quota checks that the app makes in its own code. */
export interface QuotaRecorder {
  /**
   * Counts one check (or `count` checks) of `quota` with `outcome`; `exceeded` also counts a
   * limit hit. Never throws: a bad outcome or count is counted in `instrumentation_errors_total`.
   */
  record(quota: string, outcome: QuotaOutcome, count?: number): void
}

const OUTCOMES: ReadonlySet<string> = new Set(quotaOutcomes)

/**
 * Quota metrics for limits checked in app code (a plan's monthly allowance, say):
 * `quotaMetrics({ metrics }).record('optimizations', 'exceeded')`. Quota names are bounded
 * by `maxQuotas`.
 */
export function quotaMetrics(options: QuotaMetricsOptions = {}): QuotaRecorder {
  const { metrics, maxQuotas } = resolveQuotaMetricsOptions(options)
  const counters = quotaCounters(metrics, maxQuotas)
  const record = metrics.safely(COMPONENT, (quota: string, outcome: QuotaOutcome, count: number = 1): void => {
    if (!OUTCOMES.has(outcome)) throw new TypeError(`quota outcome must be ${quotaOutcomes.join(', ')} (got ${String(outcome)})`)
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`quota count must be a whole number >= 0 (got ${String(count)})`)
    const series = counters.series(quota)
    series[outcome].inc(count)
    if (outcome === 'exceeded') series.hits.inc(count)
  })
  return { record }
}
