import { alertmanagerConfig, grafanaDashboard, prometheusRules, type AlertmanagerOptions, type BusinessPanel } from '@intervai/metrics-alerts'

/** The business panels of the dashboard: the guide's optimization, suggestion and acceptance figures. */
export const BUSINESS_PANELS: BusinessPanel[] = [
  {
    title: 'Optimizations finished per second, by status',
    expr: 'sum by (status) (rate(interview_ai_optimizations_total[5m]))',
    legend: '{{status}}',
    unit: 'ops',
  },
  {
    title: 'Suggestions per completed optimization (average)',
    expr: 'sum(rate(interview_ai_suggestions_per_optimization_sum[5m])) / sum(rate(interview_ai_suggestions_per_optimization_count[5m]))',
    unit: 'short',
  },
  {
    title: 'Suggestion acceptance rate',
    expr: 'sum(rate(interview_ai_suggestion_decisions_total{decision="accepted"}[5m])) / sum(rate(interview_ai_suggestion_decisions_total[5m]))',
    unit: 'percentunit',
    description: 'Accepted suggestions / all decided suggestions',
  },
]

/** Options of `prometheusConfig`. */
export interface PrometheusConfigOptions {
  /** `host:port` of the service. @default '127.0.0.1:3000' */
  target?: string
  /** Prometheus duration between scrapes. @default '5s' */
  scrapeInterval?: string
  /** Prometheus duration between rule evaluations. @default '5s' */
  evaluationInterval?: string
  /** Rule files, relative to the config file. @default ['rules.yml'] */
  ruleFiles?: string[]
  /** `host:port` of the Alertmanagers the alerts go to (the example's files: `127.0.0.1:9093`, Alertmanager's default port). @default [] (no alerting section) */
  alertmanagers?: string[]
}

/** The scrape job name of the service in the generated config. */
export const JOB = 'intervai-service'

/** A Prometheus configuration that scrapes the service, loads the alert rules and sends the alerts to `alertmanagers`. */
export function prometheusConfig(options: PrometheusConfigOptions = {}): string {
  const { target = '127.0.0.1:3000', scrapeInterval = '5s', evaluationInterval = '5s', ruleFiles = ['rules.yml'], alertmanagers = [] } = options
  return [
    '# Scrapes the example IntervAI service and evaluates the IntervAI Metrics alert rules.',
    ...(alertmanagers.length === 0 ? [] : ['# The alerts go to Alertmanager (alertmanager.yml routes them by severity).']),
    '# Regenerate with `npm run prometheus:files -w examples/intervai-service`.',
    'global:',
    `  scrape_interval: ${scrapeInterval}`,
    `  evaluation_interval: ${evaluationInterval}`,
    ...(alertmanagers.length === 0
      ? []
      : ['alerting:', '  alertmanagers:', '    - static_configs:', `        - targets: [${alertmanagers.map((a) => JSON.stringify(a)).join(', ')}]`]),
    'rule_files:',
    ...ruleFiles.map((file) => `  - ${JSON.stringify(file)}`),
    'scrape_configs:',
    `  - job_name: ${JOB}`,
    '    metrics_path: /metrics',
    '    static_configs:',
    `      - targets: [${JSON.stringify(target)}]`,
    '',
  ].join('\n')
}

/** The files of `examples/intervai-service/prometheus/`, by name. */
export function prometheusFiles(
  alertOptions: AlertmanagerOptions = {},
): Record<'prometheus.yml' | 'rules.yml' | 'alertmanager.yml' | 'dashboard.json', string> {
  // The rules and the dashboard take the alert options only; Alertmanager's own options stay out.
  const { webhook, receivers, notifications, ...ruleOptions } = alertOptions
  return {
    'prometheus.yml': prometheusConfig({ alertmanagers: ['127.0.0.1:9093'] }),
    'rules.yml': prometheusRules(ruleOptions).yaml,
    'alertmanager.yml': alertmanagerConfig(alertOptions).yaml,
    'dashboard.json': `${JSON.stringify(grafanaDashboard({ ...ruleOptions, businessPanels: BUSINESS_PANELS }), null, 2)}\n`,
  }
}
