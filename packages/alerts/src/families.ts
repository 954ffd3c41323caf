import { alertCatalog, severities, type AlertArea, type AlertKey, type Severity, type ThresholdKind } from '@intervai/metrics-catalog'
import { measures, type Measure } from './measures.js'
import type { ResolvedAlertOptions } from './options.js'
import { formatThreshold, type TextPart } from './template.js'

/** A Prometheus recording rule. */
export interface RecordingRule {
  record: string
  expr: string
}

/** One alert family: one alert name, one rule per severity that has a threshold. */
export interface AlertFamily {
  /** The `alertname`. */
  alert: string
  area: AlertArea
  /** The key of the alert in the catalog and of its thresholds in `AlertThresholds`. */
  threshold: AlertKey
  kind: ThresholdKind
  /** The measured value: compared with `> threshold` in each rule (a recording rule's name where there is one). */
  value: string
  /** Labels the value keeps; undefined when it keeps every label of the source series. */
  keeps: string[] | undefined
  /** Labels named in the description. */
  shows: string[]
  summary: (threshold: string) => TextPart[]
  description: (threshold: string, severity: Severity) => TextPart[]
}

/** Recording rules and alert families of one area, in evaluation order. */
export interface AreaRules {
  area: AlertArea
  records: RecordingRule[]
  alerts: AlertFamily[]
}

type Texts = Pick<AlertFamily, 'summary' | 'description'>

/**
 * Every recording rule and alert the options describe, by area, in the catalog's order: the
 * measured values from `measures()`, the names, areas and kinds from the catalog, the words here.
 */
export function alertFamilies(options: ResolvedAlertOptions): AreaRules[] {
  const measured = measures(options)
  const texts = annotations(options)
  const rules: AreaRules[] = []
  const recorded = new Set<string>()
  for (const [key, spec] of Object.entries(alertCatalog) as [AlertKey, (typeof alertCatalog)[AlertKey]][]) {
    let target = rules.find((r) => r.area === spec.area)
    if (target === undefined) rules.push((target = { area: spec.area, records: [], alerts: [] }))
    const { records } = target
    const measure: Measure = measured[key]
    // A record is written once, in the group of the first alert that reads it, before its readers.
    const value = measure.build((record, expr) => {
      if (!recorded.has(record)) {
        recorded.add(record)
        records.push({ record, expr })
      }
      return record
    })
    target.alerts.push({ alert: spec.alert, area: spec.area, threshold: key, kind: spec.kind, value, keeps: measure.keeps, shows: measure.shows, ...texts[key] })
  }
  return rules
}

function annotations(options: ResolvedAlertOptions): Record<AlertKey, Texts> {
  const group = options.groupBy
  const win = options.windows.rate
  const quotaWin = options.windows.quota
  const where = (labels: string[]): TextPart[] =>
    labels.flatMap((label, i) => [i === 0 ? ' (' : ', ', `${label}=`, { label }]).concat(labels.length > 0 ? [')'] : [])
  const value = (kind: ThresholdKind): TextPart => ({ value: kind })
  const host = (what: string, own: string[]): Texts => ({
    summary: (t) => [`${what} is `, value('ratio'), ` (above ${t})`],
    description: (t, s) => [`${what} on `, { label: 'instance' }, ...own.flatMap((label) => [` ${label} `, { label }]), ' is ', value('ratio'), `; the ${s} threshold is ${t}.`],
  })
  return {
    apiErrorRatio: {
      summary: (t) => ['API error rate is ', value('ratio'), ` (above ${t})`],
      description: (t, s) => [value('ratio'), ` of API requests were answered with a 5xx status over the last ${win}`, ...where(group), `; the ${s} threshold is ${t}.`],
    },
    apiLatencyP95Seconds: {
      summary: (t) => ['API p95 latency is ', value('seconds'), ` (above ${t})`],
      description: (t, s) => ['95% of API requests over the last ', win, ' took up to ', value('seconds'), ...where(group), `; the ${s} threshold is ${t}.`],
    },
    wsFailureRatio: {
      summary: (t) => ['WebSocket connection failures are ', value('ratio'), ` of attempts (above ${t})`],
      description: (t, s) => [value('ratio'), ` of WebSocket connection attempts failed over the last ${win}`, ...where([...group, 'server']), `; the ${s} threshold is ${t}.`],
    },
    streamDurationSeconds: {
      summary: (t) => ['Streaming operations take ', value('seconds'), ` on average (above ${t})`],
      description: (t, s) => ['Streaming operations ended over the last ', win, ' took ', value('seconds'), ' on average', ...where([...group, 'stream']), `; the ${s} threshold is ${t}.`],
    },
    dbPoolUsageRatio: {
      summary: (t) => ['Database pool is ', value('ratio'), ` in use (above ${t})`],
      description: (t, s) => ['Pool ', { label: 'pool' }, ' on ', { label: 'instance' }, ' has ', value('ratio'), ` of its maximum connections in use; the ${s} threshold is ${t}.`],
    },
    dbQueryLatencySeconds: {
      summary: (t) => ['Database queries take ', value('seconds'), ` on average (above ${t})`],
      description: (t, s) => ['Queries over the last ', win, ' took ', value('seconds'), ' on average', ...where([...group, 'pool']), `; the ${s} threshold is ${t}.`],
    },
    quotaLimitHits: {
      summary: (t) => ['Quota ', { label: 'quota' }, ' was hit ', value('count'), ` times in ${quotaWin} (above ${t})`],
      description: (t, s) => ['Requests were rejected by quota ', { label: 'quota' }, ' ', value('count'), ` times over the last ${quotaWin}`, ...where(group), `; the ${s} threshold is ${t}.`],
    },
    cpuUtilizationRatio: host('CPU utilization', []),
    memoryUtilizationRatio: host('Memory utilization', []),
    diskUtilizationRatio: host('Disk utilization', ['mountpoint']),
    eventLoopDelayP99Seconds: {
      summary: (t) => ['Event loop delay p99 is ', value('seconds'), ` (above ${t})`],
      description: (t, s) => ['99% of the event loop delays of ', { label: 'instance' }, ' since its previous scrape were up to ', value('seconds'), `; the ${s} threshold is ${t}.`],
    },
    eventLoopUtilizationRatio: {
      summary: (t) => ['Event loop is busy ', value('ratio'), ` of the time (above ${t})`],
      description: (t, s) => ['The event loop of ', { label: 'instance' }, ' was busy ', value('ratio'), ` of the time since its previous scrape; the ${s} threshold is ${t}.`],
    },
    heapUsageRatio: {
      summary: (t) => ['Heap is ', value('ratio'), ` of its limit (above ${t})`],
      description: (t, s) => ['The V8 heap of ', { label: 'instance' }, ' uses ', value('ratio'), ` of its size limit; the ${s} threshold is ${t}.`],
    },
  }
}

/** The severities of a family, highest first, with their thresholds. */
export function severitiesOf(options: ResolvedAlertOptions, family: AlertFamily): [Severity, number][] {
  const levels: Partial<Record<Severity, number>> = options.thresholds[family.threshold]
  return severities.flatMap((s) => (levels[s] === undefined ? [] : [[s, levels[s]] as [Severity, number]]))
}

/** The threshold of a family at a severity, formatted for people. */
export function thresholdText(family: AlertFamily, threshold: number): string {
  return formatThreshold(family.kind, threshold)
}
