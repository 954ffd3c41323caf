import { isPlainObject, optionError, severities, type Severity } from '@intervai/metrics-catalog'
import { checkDuration, checkHttpUrl, checkKeys, checkObject, PKG } from './checks.js'
import { resolveAlertOptions, type AlertOptions, type ResolvedAlertOptions } from './options.js'

/** How the notifications of one severity are grouped and repeated: the timings of its Alertmanager route. */
export interface NotificationTiming {
  /** How long a new group waits for more alerts before its first notification (`group_wait`). */
  groupWait: string
  /**
   * How long a group waits before notifying about alerts added to it, or resolved, after a
   * notification (`group_interval`).
   */
  groupInterval: string
  /** How long before a notification that still holds is sent again (`repeat_interval`). */
  repeatInterval: string
}

/**
 * An Alertmanager receiver without its `name`: the integrations it notifies through, as
 * Alertmanager's configuration writes them, e.g. `{ pagerduty_configs: [{ routing_key: '…' }] }`
 * or `{ slack_configs: [{ api_url: '…', channel: '#alerts' }] }`. `{}` drops the notifications.
 */
export type AlertmanagerReceiver = { [integration: `${string}_configs`]: Record<string, unknown>[] }

/** Options of `alertmanagerConfig()`: the alert options (`groupBy` is used) and these. */
export interface AlertmanagerOptions extends AlertOptions {
  /**
   * The webhook every receiver posts to: one URL for every severity, or one per severity.
   * A severity given in `receivers` uses that receiver instead.
   * @default defaultWebhookUrl, `http://127.0.0.1:5001/` (for each severity left out)
   */
  webhook?: string | Partial<Record<Severity, string>>
  /**
   * Receivers that replace the webhook of a severity: email, Slack, PagerDuty, … (see the README).
   * @default {} (webhooks only)
   */
  receivers?: Partial<Record<Severity, AlertmanagerReceiver>>
  /**
   * Grouping and repeat timings per severity; any subset.
   * @default defaultNotificationTimings: critical pages at once and repeats hourly, warning
   * notifies and repeats every 4 hours, info is tracked at most daily
   */
  notifications?: { [S in Severity]?: Partial<NotificationTiming> }
}

/** Every Alertmanager option with its value filled in. */
export interface ResolvedAlertmanagerOptions {
  /** The alert options (their `groupBy`, and the labels that tell an alert's series apart). */
  alerts: ResolvedAlertOptions
  /** The receiver of each severity (a webhook unless `receivers` gave one). */
  receivers: Record<Severity, AlertmanagerReceiver>
  /** The timings of each severity. */
  notifications: Record<Severity, NotificationTiming>
}

/** Where the webhooks post when no URL is given (the port of Alertmanager's own webhook examples). */
export const defaultWebhookUrl = 'http://127.0.0.1:5001/'

/**
 * The default timings: critical waits 10 s for more alerts and repeats hourly (it pages);
 * warning waits a minute, batches for 5 minutes and repeats every 4 hours (it notifies); info
 * waits 5 minutes, batches for an hour and repeats daily (it is tracked).
 */
export const defaultNotificationTimings: Readonly<Record<Severity, Readonly<NotificationTiming>>> = Object.freeze({
  critical: Object.freeze({ groupWait: '10s', groupInterval: '1m', repeatInterval: '1h' }),
  warning: Object.freeze({ groupWait: '1m', groupInterval: '5m', repeatInterval: '4h' }),
  info: Object.freeze({ groupWait: '5m', groupInterval: '1h', repeatInterval: '24h' }),
})

/** The options `alertmanagerConfig()` takes besides the alert options. */
export const ALERTMANAGER_OPTIONS = ['webhook', 'receivers', 'notifications'] as const

// Alertmanager's receiver integrations (config/config.go, `Receiver`, up to 0.28); amtool check-config checks their fields.
const INTEGRATIONS = [
  'discord_configs',
  'email_configs',
  'incidentio_configs',
  'jira_configs',
  'msteams_configs',
  'msteamsv2_configs',
  'opsgenie_configs',
  'pagerduty_configs',
  'pushover_configs',
  'rocketchat_configs',
  'slack_configs',
  'sns_configs',
  'telegram_configs',
  'victorops_configs',
  'webex_configs',
  'webhook_configs',
  'wechat_configs',
]

/**
 * Checks the options and fills in defaults; a bad or unknown option throws a TypeError naming it.
 * @param allowed further option names the caller checks itself
 */
export function resolveAlertmanagerOptions(options: AlertmanagerOptions = {}, allowed: readonly string[] = []): ResolvedAlertmanagerOptions {
  const opts = checkObject<AlertmanagerOptions>('options', options)
  const alerts = resolveAlertOptions(opts, [...ALERTMANAGER_OPTIONS, ...allowed])
  const given = checkObject<Record<string, unknown>>('receivers', opts.receivers)
  checkKeys(given, severities, 'receivers.')
  const webhooks = resolveWebhooks(opts.webhook, given)
  const receivers = Object.fromEntries(
    severities.map((s) => [s, given[s] === undefined ? webhookReceiver(webhooks[s]) : checkReceiver(`receivers.${s}`, given[s])]),
  ) as Record<Severity, AlertmanagerReceiver>
  return { alerts, receivers, notifications: resolveTimings(opts.notifications) }
}

function resolveWebhooks(value: unknown, receivers: Record<string, unknown>): Record<Severity, string> {
  if (typeof value === 'string' || value === undefined) {
    const url = checkHttpUrl('webhook', value, defaultWebhookUrl)
    return { critical: url, warning: url, info: url }
  }
  if (!isPlainObject(value)) throw optionError(PKG, 'webhook', 'a URL, or an object of URLs by severity', value)
  checkKeys(value, severities, 'webhook.')
  const out = {} as Record<Severity, string>
  for (const s of severities) {
    if (value[s] !== undefined && receivers[s] !== undefined) {
      throw optionError(PKG, `webhook.${s}`, `left out: receivers.${s} replaces it`, value[s])
    }
    out[s] = checkHttpUrl(`webhook.${s}`, value[s], defaultWebhookUrl)
  }
  return out
}

function webhookReceiver(url: string): AlertmanagerReceiver {
  return { webhook_configs: [{ url, send_resolved: true }] }
}

function checkReceiver(option: string, value: unknown): AlertmanagerReceiver {
  const receiver = checkObject<Record<string, unknown>>(option, value)
  checkKeys(receiver, INTEGRATIONS, `${option}.`)
  for (const [integration, configs] of Object.entries(receiver)) {
    if (!Array.isArray(configs) || configs.length === 0 || !configs.every(isPlainObject)) {
      throw optionError(PKG, `${option}.${integration}`, 'a non-empty list of objects', configs)
    }
  }
  return structuredClone(receiver) as AlertmanagerReceiver
}

function resolveTimings(value: unknown): Record<Severity, NotificationTiming> {
  const given = checkObject<Record<string, unknown>>('notifications', value)
  checkKeys(given, severities, 'notifications.')
  const out = {} as Record<Severity, NotificationTiming>
  for (const s of severities) {
    const option = `notifications.${s}`
    const timing = checkObject<Record<string, unknown>>(option, given[s])
    const defaults = defaultNotificationTimings[s]
    checkKeys(timing, Object.keys(defaults), `${option}.`)
    const pick = (key: keyof NotificationTiming): string => (timing[key] === undefined ? defaults[key] : checkDuration(`${option}.${key}`, timing[key]))
    out[s] = { groupWait: pick('groupWait'), groupInterval: pick('groupInterval'), repeatInterval: pick('repeatInterval') }
  }
  return out
}
