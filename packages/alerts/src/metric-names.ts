import { INSTRUMENTATION_ERRORS } from '@intervai/metrics-core'
import { httpMetricNames } from '@intervai/metrics-http'
import { pgMetricNames } from '@intervai/metrics-pg'
import { quotaMetricNames } from '@intervai/metrics-quota'
import { systemMetricNames } from '@intervai/metrics-system'
import { wsMetricNames } from '@intervai/metrics-ws'

const HISTOGRAMS: readonly string[] = [
  httpMetricNames.requestDuration,
  wsMetricNames.messageSize,
  wsMetricNames.connectionDuration,
  wsMetricNames.streamDuration,
  pgMetricNames.queryDuration,
  pgMetricNames.poolAcquireDuration,
]

/** The metric names the rules and the dashboard read, each with the prefix in front. */
export interface PrefixedNames {
  http: { [K in keyof typeof httpMetricNames]: string }
  ws: { [K in keyof typeof wsMetricNames]: string }
  pg: { [K in keyof typeof pgMetricNames]: string }
  quota: { [K in keyof typeof quotaMetricNames]: string }
  system: { [K in keyof typeof systemMetricNames]: string }
  instrumentationErrors: string
}

function withPrefix<T extends Record<string, string>>(prefix: string, names: T): { [K in keyof T]: string } {
  const out: Record<string, string> = {}
  for (const [key, name] of Object.entries(names)) out[key] = prefix + name
  return out as { [K in keyof T]: string }
}

/** The names of every metric the IntervAI packages define, with `prefix` in front. */
export function prefixedNames(prefix: string): PrefixedNames {
  return {
    http: withPrefix(prefix, httpMetricNames),
    ws: withPrefix(prefix, wsMetricNames),
    pg: withPrefix(prefix, pgMetricNames),
    quota: withPrefix(prefix, quotaMetricNames),
    system: withPrefix(prefix, systemMetricNames),
    instrumentationErrors: prefix + INSTRUMENTATION_ERRORS,
  }
}

/**
 * Every series name the IntervAI packages can expose with `prefix`: each metric name, plus the
 * `_bucket`, `_sum` and `_count` series of each histogram.
 * @param prefix the metric name prefix; default ''
 */
export function definedMetricNames(prefix = ''): Set<string> {
  const all = [
    ...Object.values(httpMetricNames),
    ...Object.values(wsMetricNames),
    ...Object.values(pgMetricNames),
    ...Object.values(quotaMetricNames),
    ...Object.values(systemMetricNames),
    INSTRUMENTATION_ERRORS,
  ]
  const names = new Set<string>(all.map((name) => prefix + name))
  for (const name of HISTOGRAMS) for (const suffix of ['_bucket', '_sum', '_count']) names.add(prefix + name + suffix)
  return names
}
