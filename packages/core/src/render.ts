import type { Registry, RegistryContentType } from 'prom-client'
import { familyHeader, formatValue, joinLabels, labelPair, sampleStart, type ExpositionFormat } from './exposition.js'
import { OWN_METRIC, type BaseMetric, type Series } from './metric.js'

type OwnMetric = BaseMetric<Series>

interface ForeignSample {
  labels?: Record<string, string | number | undefined>
  value: number
  metricName?: string
  exemplar?: { labelSet?: Record<string, string | number>; value?: number; timestamp?: number } | null
}

interface ForeignSnapshot {
  name: string
  help: string
  type: string
  values?: ForeignSample[]
}

function isOwn(metric: unknown): metric is OwnMetric {
  return typeof metric === 'object' && metric !== null && (metric as { [OWN_METRIC]?: boolean })[OWN_METRIC] === true
}

/**
 * The default labels set with `registry.setDefaultLabels()`. prom-client keeps them in a field
 * and offers no getter (prom-client/lib/registry.js); this is the one place that reads it, and
 * a test compares `metrics.render()` with `registry.metrics()` series for series.
 */
export function registryDefaultLabels(registry: Registry<RegistryContentType>): Readonly<Record<string, string>> {
  const labels = (registry as unknown as { _defaultLabels?: unknown })._defaultLabels
  return typeof labels === 'object' && labels !== null ? (labels as Record<string, string>) : {}
}

/**
 * Renders every metric of a prom-client registry, ours and the app's own prom-client metrics
 * alike, with the registry's default labels added as prom-client adds them. Ours write from
 * their cached text; any other metric is read through prom-client's public `get()`. A metric
 * whose collection fails is left out and reported.
 */
export async function renderRegistry(registry: Registry<RegistryContentType>, format: ExpositionFormat, onError: (error: unknown) => void = () => {}): Promise<string> {
  const all = registry.getMetricsAsArray() as unknown[]
  const defaults = registryDefaultLabels(registry)
  // Collect everything before writing anything, so failures counted during collection show up
  // in this same scrape.
  await Promise.all(all.map((metric) => (isOwn(metric) ? metric.collect() : undefined)))
  const foreign = await Promise.all(
    all.map(async (metric) => {
      if (isOwn(metric)) return undefined
      try {
        return writeSnapshot((await (metric as { get(): Promise<unknown> }).get()) as ForeignSnapshot, format, defaults)
      } catch (error) {
        onError(error)
        return ''
      }
    }),
  )
  const parts: string[] = []
  all.forEach((metric, i) => {
    if (!isOwn(metric)) return void parts.push(foreign[i] as string)
    const before = parts.length
    try {
      metric.writeTo(parts, format, defaults)
    } catch (error) {
      parts.length = before
      onError(error)
    }
  })
  if (format === 'openmetrics') parts.push('# EOF\n')
  return parts.join('')
}

function writeSnapshot(metric: ForeignSnapshot, format: ExpositionFormat, defaults: Readonly<Record<string, string>>): string {
  const om = format === 'openmetrics'
  const counter = metric.type === 'counter'
  const family = counter && om && metric.name.endsWith('_total') ? metric.name.slice(0, -6) : metric.name
  let out = familyHeader(metric.name, metric.help, metric.type, format)
  for (const sample of metric.values ?? []) {
    let name = sample.metricName ?? metric.name
    if (om && counter && name === metric.name) name = `${family}_total`
    // As prom-client's getMetricsAsString: the sample's own labels first and winning, then the
    // registry's default labels it does not name.
    const own = sample.labels ?? {}
    let text = ''
    for (const key of Object.keys(own)) if (own[key] !== undefined) text = joinLabels(text, labelPair(key, String(own[key])))
    for (const key of Object.keys(defaults)) if (own[key] === undefined) text = joinLabels(text, labelPair(key, String(defaults[key])))
    out += `${sampleStart(name, text)}${formatValue(sample.value)}${om ? exemplarText(sample.exemplar) : ''}\n`
  }
  return out
}

function exemplarText(exemplar: ForeignSample['exemplar']): string {
  if (!exemplar || exemplar.value === undefined) return ''
  const labels = Object.entries(exemplar.labelSet ?? {})
    .map(([key, value]) => labelPair(key, String(value)))
    .join(',')
  return ` # {${labels}} ${formatValue(exemplar.value)} ${exemplar.timestamp ?? ''}`.trimEnd()
}
