import { alertCatalog } from '@intervai/metrics-catalog'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { alertmanagerConfig, defaultNotificationTimings, type AlertmanagerRoute } from '../src/index.js'

const ALERT_NAMES = Object.values(alertCatalog).map((spec) => spec.alert)
const routeOf = (routes: AlertmanagerRoute[] | undefined, severity: string): AlertmanagerRoute | undefined =>
  routes?.find((r) => r.matchers?.includes(`severity="${severity}"`))

describe('alertmanagerConfig', () => {
  it('routes each severity to its receiver, with the timings of what it does', () => {
    const { route } = alertmanagerConfig().config
    expect(route).toEqual({
      receiver: 'intervai-notify',
      group_by: ['alertname', 'job'],
      group_wait: '1m',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [
        { receiver: 'intervai-page', matchers: ['severity="critical"'], group_wait: '10s', group_interval: '1m', repeat_interval: '1h' },
        { receiver: 'intervai-notify', matchers: ['severity="warning"'], group_wait: '1m', group_interval: '5m', repeat_interval: '4h' },
        { receiver: 'intervai-track', matchers: ['severity="info"'], group_wait: '5m', group_interval: '1h', repeat_interval: '24h' },
      ],
    })
  })

  it('mutes the lower severities of the same alert and series while a higher one fires', () => {
    const equal = ['alertname', 'job', 'server', 'stream', 'instance', 'pool', 'quota', 'mountpoint']
    expect(alertmanagerConfig().config.inhibit_rules).toEqual([
      { source_matchers: ['severity="critical"'], target_matchers: ['severity=~"warning|info"'], equal },
      { source_matchers: ['severity="warning"'], target_matchers: ['severity="info"'], equal },
    ])
  })

  it('groups and inhibits by the groupBy labels of the alerts', () => {
    const { config } = alertmanagerConfig({ groupBy: ['service', 'env'] })
    expect(config.route.group_by).toEqual(['alertname', 'service', 'env'])
    expect(config.inhibit_rules[0]?.equal).toEqual(['alertname', 'service', 'env', 'server', 'stream', 'instance', 'pool', 'quota', 'mountpoint'])
    expect(alertmanagerConfig({ groupBy: [] }).config.route.group_by).toEqual(['alertname'])
  })

  it('posts every severity to one webhook, resolved notifications included', () => {
    const { receivers } = alertmanagerConfig({ webhook: 'https://hooks.example.com/am' }).config
    expect(receivers).toEqual(
      ['intervai-page', 'intervai-notify', 'intervai-track'].map((name) => ({ name, webhook_configs: [{ url: 'https://hooks.example.com/am', send_resolved: true }] })),
    )
  })

  it('takes a webhook per severity, the default for those left out', () => {
    const { receivers } = alertmanagerConfig({ webhook: { critical: 'https://pager.example.com/', info: 'http://127.0.0.1:8080/track' } }).config
    expect(receivers.map((r) => [r.name, r.webhook_configs?.[0]?.url])).toEqual([
      ['intervai-page', 'https://pager.example.com/'],
      ['intervai-notify', 'http://127.0.0.1:5001/'],
      ['intervai-track', 'http://127.0.0.1:8080/track'],
    ])
  })

  it('replaces the webhook of a severity with the receiver given for it', () => {
    const pagerduty = { pagerduty_configs: [{ routing_key: 'abc' }] }
    const { receivers } = alertmanagerConfig({ webhook: 'https://hooks.example.com/am', receivers: { critical: pagerduty, info: {} } }).config
    expect(receivers).toEqual([
      { name: 'intervai-page', pagerduty_configs: [{ routing_key: 'abc' }] },
      { name: 'intervai-notify', webhook_configs: [{ url: 'https://hooks.example.com/am', send_resolved: true }] },
      { name: 'intervai-track' },
    ])
  })

  it('changes only the timings given', () => {
    const { route } = alertmanagerConfig({ notifications: { critical: { repeatInterval: '30m' }, info: { groupWait: '1h' } } }).config
    expect(routeOf(route.routes, 'critical')).toMatchObject({ group_wait: '10s', group_interval: '1m', repeat_interval: '30m' })
    expect(routeOf(route.routes, 'info')).toMatchObject({ group_wait: '1h', group_interval: '1h', repeat_interval: '24h' })
    expect(Object.isFrozen(defaultNotificationTimings.critical)).toBe(true)
  })

  it('scopes the fragment to the alerts of the catalog by name', () => {
    const { fragment, config } = alertmanagerConfig()
    const scope = `alertname=~"${ALERT_NAMES.join('|')}"`
    expect(ALERT_NAMES).toHaveLength(13)
    expect(fragment.routes).toEqual([{ ...config.route, matchers: [scope] }])
    expect(fragment.receivers).toEqual(config.receivers)
    expect(fragment.inhibit_rules.map((r) => r.target_matchers)).toEqual([['severity=~"warning|info"', scope], ['severity="info"', scope]])
  })

  it('writes YAML that reads back as the configuration, under a comment saying what it is', () => {
    const result = alertmanagerConfig({ webhook: { warning: 'https://hooks.example.com/x?y=1' } })
    expect(parse(result.yaml)).toEqual(result.config)
    expect(parse(result.fragmentYaml)).toEqual(result.fragment)
    expect(result.yaml).toMatch(/^# Alertmanager configuration for the IntervAI Metrics alerts/)
    expect(result.fragmentYaml).toMatch(/^# The IntervAI Metrics part of an Alertmanager configuration/)
    // No YAML anchors: each list is written out where it is used.
    expect(result.yaml).not.toMatch(/[&*]a\d/)
  })

  it('rejects an unknown option instead of ignoring it', () => {
    expect(() => alertmanagerConfig({ webhooks: 'http://x' } as never)).toThrow(
      '@intervai/metrics-alerts: option "webhooks" must be one of the options (prefix, selector, groupBy, thresholds, windows, for, runbookBase, webhook, receivers, notifications) (got "http://x")',
    )
  })

  it.each([
    [{ webhook: 'ftp://example.com/' }, 'option "webhook" must be an http(s) URL without a #fragment (got "ftp://example.com/")'],
    [{ webhook: 'not a url' }, 'option "webhook" must be an http(s) URL'],
    [{ webhook: 42 }, 'option "webhook" must be a URL, or an object of URLs by severity (got 42)'],
    [{ webhook: { page: 'http://x/' } }, 'option "webhook.page" must be one of critical, warning, info (got "page")'],
    [{ webhook: { critical: 'http://x/' }, receivers: { critical: {} } }, 'option "webhook.critical" must be left out: receivers.critical replaces it (got "http://x/")'],
    [{ receivers: { critical: { slak_configs: [{}] } } }, 'option "receivers.critical.slak_configs" must be one of discord_configs'],
    [{ receivers: { critical: { slack_configs: {} } } }, 'option "receivers.critical.slack_configs" must be a non-empty list of objects (got {})'],
    [{ receivers: { urgent: {} } }, 'option "receivers.urgent" must be one of critical, warning, info'],
    [{ receivers: { info: [] } }, 'option "receivers.info" must be an object (got [])'],
    [{ notifications: { critical: { groupWait: 10 } } }, 'option "notifications.critical.groupWait" must be a Prometheus duration such as "30s", "5m" or "1h" (got 10)'],
    [{ notifications: { critical: { wait: '1s' } } }, 'option "notifications.critical.wait" must be one of groupWait, groupInterval, repeatInterval (got "wait")'],
    [{ groupBy: ['le'] }, 'option "groupBy" must be label names'],
  ])('rejects %j with an error naming the option', (options, message) => {
    expect(() => alertmanagerConfig(options as never)).toThrow(TypeError)
    expect(() => alertmanagerConfig(options as never)).toThrow(message)
  })
})
