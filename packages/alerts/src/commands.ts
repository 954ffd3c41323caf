import { alertmanagerConfig } from './alertmanager.js'
import { ALERTMANAGER_OPTIONS } from './alertmanager-options.js'
import { checkKeys } from './checks.js'
import { DASHBOARD_OPTIONS, grafanaDashboard } from './dashboard.js'
import { ALERT_OPTIONS } from './options.js'
import { prometheusRules } from './rules.js'

/** What a command writes, from options it alone takes. */
export interface Command {
  /** One line for the usage. */
  summary: string
  /** The options it takes: the alert options and its own. */
  options: readonly string[]
  /** Its output for these options (only its own keys); `fragment` is the alertmanager command's flag. */
  generate: (options: Record<string, unknown>, fragment: boolean) => string
}

/** Every command of the CLI, by name. A generator added here is reachable from the CLI and its config file. */
export const commands: Readonly<Record<string, Command>> = {
  rules: {
    summary: 'Prometheus recording and alerting rules (YAML)',
    options: ALERT_OPTIONS,
    generate: (options) => prometheusRules(options).yaml,
  },
  dashboard: {
    summary: 'Grafana dashboard (JSON)',
    options: [...ALERT_OPTIONS, ...DASHBOARD_OPTIONS],
    generate: (options) => `${JSON.stringify(grafanaDashboard(options), null, 2)}\n`,
  },
  alertmanager: {
    summary: 'Alertmanager configuration routing by severity (YAML)',
    options: [...ALERT_OPTIONS, ...ALERTMANAGER_OPTIONS],
    generate: (options, fragment) => {
      const config = alertmanagerConfig(options)
      return fragment ? config.fragmentYaml : config.yaml
    },
  },
}

/**
 * Checks options meant for every command at once (a config file): an unknown key is an error
 * naming it, and each command's generator checks the values of its keys.
 */
export function checkAllCommands(options: Record<string, unknown>): void {
  checkKeys(options, [...new Set(Object.values(commands).flatMap((c) => c.options))])
  for (const command of Object.values(commands)) command.generate(pick(options, command.options), false)
}

/** The keys of `options` a command takes. */
export function pick(options: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([key]) => keys.includes(key)))
}
