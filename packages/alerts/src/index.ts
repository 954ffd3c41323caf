export { prometheusRules, ruleGroups } from './rules.js'
export type { AlertingRule, PrometheusRules, RuleGroup } from './rules.js'
export { resolveAlertOptions, defaultThresholds } from './options.js'
export type {
  AlertForDurations,
  AlertOptions,
  AlertThresholds,
  AlertWindows,
  ResolvedAlertOptions,
  Severity,
  ThresholdKind,
} from './options.js'
export { promtoolTests, promtoolFiles } from './promtool.js'
export type { PromtoolTests } from './promtool.js'
export { grafanaDashboard } from './dashboard.js'
export type { BusinessPanel, DashboardOptions, GrafanaDashboard, GrafanaPanel } from './dashboard.js'
export { alertmanagerConfig, receiverNames } from './alertmanager.js'
export type { AlertmanagerConfig, AlertmanagerFile, AlertmanagerFragment, AlertmanagerRoute, InhibitRule, NamedReceiver } from './alertmanager.js'
export { defaultNotificationTimings, defaultWebhookUrl } from './alertmanager-options.js'
export type { AlertmanagerOptions, AlertmanagerReceiver, NotificationTiming } from './alertmanager-options.js'
export { defaultRunbookBase, runbookUrl } from './runbooks.js'
export { durationSeconds } from './promql.js'
