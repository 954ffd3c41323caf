import type { CounterSeries, HistogramSeries, Metrics } from '@intervai/metrics-core'

/** How an optimization ended. */
export type OptimizationStatus = 'completed' | 'failed' | 'cancelled'

/** A user's decision on one suggestion. */
export type Decision = 'accepted' | 'rejected'

/** Every status, zeroed at start so panels and alerts never see "no data". */
export const OPTIMIZATION_STATUSES: readonly OptimizationStatus[] = ['completed', 'failed', 'cancelled']

/** Every decision, zeroed at start. */
export const DECISIONS: readonly Decision[] = ['accepted', 'rejected']

/** Bucket bounds of `interview_ai_suggestions_per_optimization` (a count of suggestions). */
export const SUGGESTION_COUNT_BUCKETS: readonly number[] = [0, 1, 2, 3, 5, 8, 13, 20]

/** The business metrics of the monitoring guide, with their series cached. */
export interface BusinessMetrics {
  /** Counts an optimization that ended with `status`. */
  optimizationFinished(status: OptimizationStatus): void
  /** Records how many suggestions a completed optimization produced. */
  suggestionsGenerated(count: number): void
  /** Counts one decision on a suggestion. */
  suggestionDecided(decision: Decision): void
}

/** Gets or creates the business metrics on `metrics` and zeroes their known label values. */
export function createBusinessMetrics(metrics: Metrics): BusinessMetrics {
  const optimizations = metrics.counter({
    name: 'interview_ai_optimizations_total',
    help: 'Resume optimizations that ended, by final status',
    labelNames: ['status'],
  })
  const suggestions = metrics.histogram({
    name: 'interview_ai_suggestions_per_optimization',
    help: 'Suggestions generated per completed resume optimization',
    buckets: SUGGESTION_COUNT_BUCKETS,
  })
  const decisions = metrics.counter({
    name: 'interview_ai_suggestion_decisions_total',
    help: 'Decisions users made on suggestions (acceptance rate = accepted / all)',
    labelNames: ['decision'],
  })
  const byStatus = new Map<OptimizationStatus, CounterSeries>(OPTIMIZATION_STATUSES.map((s) => [s, optimizations.labels(s)]))
  const byDecision = new Map<Decision, CounterSeries>(DECISIONS.map((d) => [d, decisions.labels(d)]))
  const perOptimization: HistogramSeries = suggestions.labels()
  return {
    optimizationFinished: (status) => byStatus.get(status)?.inc(),
    suggestionsGenerated: (count) => perOptimization.observe(count),
    suggestionDecided: (decision) => byDecision.get(decision)?.inc(),
  }
}
