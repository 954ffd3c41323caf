/**
 * Where the `runbook_url` of every alert points by default: RUNBOOKS.md of this package on
 * GitHub, one section per alert. The status page of `@intervai/metrics-status` uses the same.
 */
export const defaultRunbookBase = 'https://github.com/intervai/intervai-metrics/blob/main/packages/alerts/RUNBOOKS.md'

/**
 * The runbook link of an alert: `<base>#<alertname in lower case>`, the anchor GitHub gives the
 * `## <AlertName>` heading of its section.
 */
export function runbookUrl(base: string, alert: string): string {
  return `${base}#${alert.toLowerCase()}`
}
