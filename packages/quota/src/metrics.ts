import { boundedLabel, type BoundedLabel, type Counter, type CounterSeries, type Metrics } from '@intervai/metrics-core'
import { quotaMetricNames } from './names.js'
import { resolveQuotaMetricsOptions, type QuotaMetricsOptions } from './options.js'

/** The outcome of one quota check. */
export type QuotaOutcome = 'allowed' | 'exceeded' | 'error'

const OUTCOMES: readonly QuotaOutcome[] = ['allowed', 'exceeded', 'error']

/** The series of one quota, created together so every outcome shows 0 from the start. */
export interface QuotaSeries {
  readonly allowed: CounterSeries
  readonly exceeded: CounterSeries
  readonly error: CounterSeries
  readonly hits: CounterSeries
}

/** The quota metrics of one `Metrics` object, shared by hooks, stores and manual recording. */
export class QuotaCounters {
  private readonly names: BoundedLabel
  private readonly byName = new Map<string, QuotaSeries>()
  private readonly checks: Counter<'quota' | 'outcome'>
  private readonly hits: Counter<'quota'>

  constructor(readonly metrics: Metrics, maxQuotas: number) {
    this.names = boundedLabel({ limit: maxQuotas })
    this.checks = metrics.counter({
      name: quotaMetricNames.checks,
      help: 'Quota checks by outcome: allowed, exceeded, or error (the limit store failed)',
      labelNames: ['quota', 'outcome'],
    })
    this.hits = metrics.counter({
      name: quotaMetricNames.limitHits,
      help: 'Requests rejected because a quota limit was hit',
      labelNames: ['quota'],
    })
  }

  /** The series of a quota; names past the bound share the overflow series. */
  series(quota: unknown): QuotaSeries {
    const name = this.names(quota)
    let found = this.byName.get(name)
    if (found === undefined) {
      found = {
        allowed: this.checks.labels(name, 'allowed'),
        exceeded: this.checks.labels(name, 'exceeded'),
        error: this.checks.labels(name, 'error'),
        hits: this.hits.labels(name),
      }
      this.byName.set(name, found)
    }
    return found
  }
}

const shared = new WeakMap<Metrics, QuotaCounters>()

/** The quota counters of a metrics object, created on first use (the first `maxQuotas` wins). */
export function quotaCounters(metrics: Metrics, maxQuotas = 50): QuotaCounters {
  let counters = shared.get(metrics)
  if (counters === undefined) {
    counters = new QuotaCounters(metrics, maxQuotas)
    shared.set(metrics, counters)
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

/**
 * Quota metrics for limits checked in app code (a plan's monthly allowance, say):
 * `quotaMetrics({ metrics }).record('optimizations', 'exceeded')`. Quota names are bounded
 * by `maxQuotas`.
 */
export function quotaMetrics(options: QuotaMetricsOptions = {}): QuotaRecorder {
  const { metrics, maxQuotas } = resolveQuotaMetricsOptions(options)
  const counters = quotaCounters(metrics, maxQuotas)
  return {
    record(quota, outcome, count = 1) {
      try {
        if (!OUTCOMES.includes(outcome)) throw new TypeError(`quota outcome must be allowed, exceeded or error (got ${String(outcome)})`)
        if (!Number.isInteger(count) || count < 0) throw new RangeError(`quota count must be a whole number >= 0 (got ${String(count)})`)
        const series = counters.series(quota)
        series[outcome].inc(count)
        if (outcome === 'exceeded') series.hits.inc(count)
      } catch (error) {
        metrics.recordError('quota', error)
      }
    },
  }
}
