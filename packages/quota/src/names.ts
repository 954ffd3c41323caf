/** The metric names this package defines (before the prefix); alert rules and dashboards use these. */
export const quotaMetricNames = {
  checks: 'quota_checks_total',
  limitHits: 'quota_limit_hits_total',
} as const
