import type { Registry, RegistryContentType } from 'prom-client'
import { escapeHelp, escapeLabelValue, formatValue } from './escape.js'
import { OWN_METRIC, type BaseMetric, type ExpositionFormat, type MetricSample, type Series } from './metric.js'

/** Content type of the Prometheus text format 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'
/** Content type of OpenMetrics 1.0.0. */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8'

/** Picks the format an `Accept` header asks for: OpenMetrics when it names it, else Prometheus text. */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  return accept !== undefined && accept.includes('application/openmetrics-text') ? 'openmetrics' : 'prometheus'
}

/** The content type of a format. */
export function contentTypeOf(format: ExpositionFormat): string {
  return format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE
}

type AnyMetric = { name: string; type?: string; get(): unknown }
type OwnMetric = BaseMetric<Series>

function isOwn(metric: unknown): metric is OwnMetric {
  return typeof metric === 'object' && metric !== null && (metric as { [OWN_METRIC]?: boolean })[OWN_METRIC] === true
}

/**
 * Renders every metric of a prom-client registry. Our metrics use their cached writers; any
 * other metric (the app's own prom-client metrics) is formatted from its `get()` snapshot, so
 * one scrape can mix both. A metric whose collection fails is left out and reported.
 */
export async function renderRegistry(
  registry: Registry<RegistryContentType>,
  format: ExpositionFormat,
  onError: (error: unknown) => void = () => {},
): Promise<string> {
  const all = registry.getMetricsAsArray() as unknown as AnyMetric[]
  const defaults = ((registry as unknown as { _defaultLabels?: Record<string, string> })._defaultLabels) ?? {}
  // Collect everything before writing anything, so failures counted during collection show up
  // in this same scrape.
  await Promise.all(all.map((metric) => (isOwn(metric) ? metric.collect() : undefined)))
  const parts = await Promise.all(
    all.map(async (metric) => {
      try {
        if (isOwn(metric)) return metric.write(format)
        return writeSnapshot((await metric.get()) as Snapshot, format, defaults)
      } catch (error) {
        onError(error)
        return ''
      }
    }),
  )
  const body = parts.join('')
  return format === 'openmetrics' ? `${body}# EOF\n` : body
}

interface Snapshot {
  name: string
  help: string
  type: string
  values?: MetricSample[]
}

function writeSnapshot(metric: Snapshot, format: ExpositionFormat, defaults: Record<string, string>): string {
  const om = format === 'openmetrics'
  const counter = metric.type === 'counter'
  const family = om && counter && metric.name.endsWith('_total') ? metric.name.slice(0, -6) : metric.name
  const type = om && metric.type === 'untyped' ? 'unknown' : metric.type
  const help = om ? escapeHelp(metric.help).replace(/"/g, '\\"') : escapeHelp(metric.help)
  let out = `# HELP ${family} ${help}\n# TYPE ${family} ${type}\n`
  for (const sample of metric.values ?? []) {
    let name = sample.metricName ?? metric.name
    if (om && counter && name === metric.name) name = `${family}_total`
    const labels: Record<string, string | number> = { ...defaults, ...sample.labels }
    let text = ''
    for (const key of Object.keys(labels)) {
      const value = labels[key]
      if (value === undefined) continue
      text += `${text ? ',' : ''}${key}="${escapeLabelValue(String(value))}"`
    }
    out += `${name}${text ? `{${text}}` : ''} ${formatValue(sample.value)}\n`
  }
  return out
}
