import { metricCatalog, type MetricArea } from '@intervai/metrics-catalog'

/** The name of every metric of the catalog with the prefix in front, by area and key (`n.http.requestDuration`). */
export type PrefixedNames = { [A in MetricArea]: { [K in keyof (typeof metricCatalog)[A]]: string } }

/** The names of every metric the IntervAI packages define, with `prefix` in front. */
export function prefixedNames(prefix: string): PrefixedNames {
  const areas = Object.entries(metricCatalog).map(([area, metrics]) => [
    area,
    Object.fromEntries(Object.entries(metrics).map(([key, metric]) => [key, prefix + metric.name])),
  ])
  return Object.fromEntries(areas) as PrefixedNames
}
