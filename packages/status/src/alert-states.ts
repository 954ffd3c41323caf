import { alertCatalog, severities, type AlertArea, type AlertSpec, type Severity, type ThresholdKind } from '@intervai/metrics-catalog'
import { durationSeconds, runbookUrl, type ResolvedAlertOptions } from '@intervai/metrics-alerts'
import type { AlertStatus } from './data.js'

export { runbookUrl }

/** One alerting rule: an alert of the catalog at one severity, with the user's threshold and `for`. */
export interface AlertRule {
  /** The alert's key in the catalog (its thresholds option). */
  readonly key: string
  readonly alert: string
  readonly area: AlertArea
  readonly kind: ThresholdKind
  readonly measures: string
  readonly severity: Severity
  readonly threshold: number
  readonly for: string
  readonly forMs: number
}

/** A measured value of an alert, for one label set. */
export interface Measured {
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

/** Where an instance stands while its value is above the threshold. */
export interface ActiveState {
  readonly activeAt: number
  readonly firingAt: number | null
}

/**
 * Every rule of the catalog's alerts, with the thresholds and `for` durations of the resolved
 * alert options (a catalog alert the options do not know keeps the catalog's defaults).
 */
export function alertRules(options: ResolvedAlertOptions): AlertRule[] {
  const thresholds = options.thresholds as unknown as Record<string, Partial<Record<Severity, number>> | undefined>
  return Object.entries(alertCatalog as Record<string, AlertSpec>).flatMap(([key, spec]) => {
    const levels = thresholds[key] ?? spec.thresholds
    return severities.flatMap((severity): AlertRule[] => {
      const threshold = levels[severity]
      if (threshold === undefined) return []
      const forText = options.for[severity]
      return [{ key, alert: spec.alert, area: spec.area, kind: spec.kind, measures: spec.measures, severity, threshold, for: forText, forMs: durationSeconds(forText) * 1000 }]
    })
  })
}

/**
 * One evaluation of one instance, as Prometheus evaluates an alerting rule: a value strictly
 * above the threshold makes it pending, and firing once it has stayed so for `for` (at once with
 * a `for` of 0); anything else (below, equal, no value) makes it inactive.
 */
export function nextState(previous: ActiveState | undefined, value: number, rule: Pick<AlertRule, 'threshold' | 'forMs'>, now: number): ActiveState | undefined {
  if (!(value > rule.threshold)) return undefined
  const activeAt = previous?.activeAt ?? now
  const firing = now - activeAt >= rule.forMs
  return { activeAt, firingAt: firing ? (previous?.firingAt ?? now) : null }
}

const STATE_ORDER = { firing: 0, pending: 1, inactive: 2 } as const

/** Orders alert states as the page shows them: firing, then pending, then inactive; critical first within each. */
export function compareAlerts(a: AlertStatus, b: AlertStatus): number {
  return (
    STATE_ORDER[a.state] - STATE_ORDER[b.state] ||
    severities.indexOf(a.severity) - severities.indexOf(b.severity) ||
    a.alert.localeCompare(b.alert) ||
    labelsKey(a.labels).localeCompare(labelsKey(b.labels))
  )
}

function labelsKey(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',')
}

/** Evaluates every rule at each sampler tick and remembers which instances are pending or firing. */
export class AlertEvaluator {
  private readonly active = new Map<string, ActiveState>()
  private latest = new Map<AlertRule, readonly Measured[]>()

  constructor(
    readonly rules: readonly AlertRule[],
    private readonly runbookBase: string,
  ) {}

  /** One evaluation: `measure(key)` gives the current values of an alert, one per label set. */
  evaluate(now: number, measure: (key: string) => readonly Measured[]): void {
    const byKey = new Map<string, readonly Measured[]>()
    const latest = new Map<AlertRule, readonly Measured[]>()
    const seen = new Set<string>()
    for (const rule of this.rules) {
      let measured = byKey.get(rule.key)
      if (measured === undefined) byKey.set(rule.key, (measured = measure(rule.key)))
      latest.set(rule, measured)
      for (const { labels, value } of measured) {
        const id = `${rule.alert}|${rule.severity}|${labelsKey(labels)}`
        const next = nextState(this.active.get(id), value, rule, now)
        if (next === undefined) this.active.delete(id)
        else {
          this.active.set(id, next)
          seen.add(id)
        }
      }
    }
    // An instance whose value is gone (its pool closed, no traffic) is no longer active.
    for (const id of this.active.keys()) if (!seen.has(id)) this.active.delete(id)
    this.latest = latest
  }

  /** Every rule's state per instance (one inactive row for a rule without any value), sorted for the page. */
  statuses(): AlertStatus[] {
    const out: AlertStatus[] = []
    for (const rule of this.rules) {
      const measured = this.latest.get(rule) ?? []
      const base = {
        alert: rule.alert,
        severity: rule.severity,
        area: rule.area,
        kind: rule.kind,
        measures: rule.measures,
        threshold: rule.threshold,
        for: rule.for,
        runbook: runbookUrl(this.runbookBase, rule.alert),
      }
      if (measured.length === 0) out.push({ ...base, labels: {}, state: 'inactive', value: null, activeAt: null, firingAt: null })
      for (const { labels, value } of measured) {
        const active = this.active.get(`${rule.alert}|${rule.severity}|${labelsKey(labels)}`)
        out.push({
          ...base,
          labels: { ...labels },
          state: active === undefined ? 'inactive' : active.firingAt === null ? 'pending' : 'firing',
          value: Number.isFinite(value) ? value : null,
          activeAt: active?.activeAt ?? null,
          firingAt: active?.firingAt ?? null,
        })
      }
    }
    return out.sort(compareAlerts)
  }
}
