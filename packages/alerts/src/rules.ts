import { stringify } from 'yaml'
import { alertFamilies, severitiesOf, thresholdText } from './families.js'
import { resolveAlertOptions, type AlertOptions, type ResolvedAlertOptions, type Severity } from './options.js'
import { runbookUrl } from './runbooks.js'
import { toTemplate } from './template.js'

/** A Prometheus alerting rule. */
export interface AlertingRule {
  /** The alert name, shared by the severities of one alert. */
  alert: string
  /** `<measured value> > <threshold>`. */
  expr: string
  /** How long the condition holds before the alert fires. */
  for: string
  /** The `severity` label. */
  labels: { severity: Severity }
  /**
   * Prometheus templates that show the measured value, and the link to the alert's section of
   * the runbooks (`<runbookBase>#<alertname in lower case>`).
   */
  annotations: { summary: string; description: string; runbook_url: string }
}

/** A Prometheus rule group: recording rules first, then the alerts that read them. */
export interface RuleGroup {
  /** `intervai-metrics-<area>`. */
  name: string
  /** Recording rules (`record`, `expr`) and alerting rules, in evaluation order. */
  rules: ({ record: string; expr: string } | AlertingRule)[]
}

/** What `prometheusRules()` returns. */
export interface PrometheusRules {
  /** The rule groups, one per area (API, WebSocket, database, quota, system, runtime). */
  groups: RuleGroup[]
  /** The same groups as a Prometheus rule file (YAML). */
  yaml: string
}

/**
 * The Prometheus recording and alerting rules for every alert of the IntervAI metrics: 6 critical,
 * 10 warning and 5 info rules, each with a `severity` label, a `for` duration, summary and
 * description annotations that show the measured value, and a `runbook_url` annotation.
 * A bad option throws a TypeError naming it.
 */
export function prometheusRules(options: AlertOptions = {}): PrometheusRules {
  const groups = ruleGroups(resolveAlertOptions(options))
  return { groups, yaml: stringify({ groups }, { lineWidth: 0 }) }
}

/** The rule groups for options already resolved. */
export function ruleGroups(options: ResolvedAlertOptions): RuleGroup[] {
  return alertFamilies(options).map(({ area, records, alerts }) => ({
    name: `intervai-metrics-${area}`,
    rules: [
      ...records.map((r) => ({ record: r.record, expr: r.expr })),
      ...alerts.flatMap((family) =>
        severitiesOf(options, family).map(([severity, threshold]): AlertingRule => {
          const text = thresholdText(family, threshold)
          return {
            alert: family.alert,
            expr: `${family.value} > ${threshold}`,
            for: options.for[severity],
            labels: { severity },
            annotations: {
              summary: toTemplate(family.summary(text)),
              description: toTemplate(family.description(text, severity)),
              runbook_url: runbookUrl(options.runbookBase, family.alert),
            },
          }
        }),
      ),
    ],
  }))
}
