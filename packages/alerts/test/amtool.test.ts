import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { startAlertmanager, type AlertmanagerAlert } from '../../../test/support/alertmanager.js'
import { findTool } from '../../../test/support/tools.js'
import { alertmanagerConfig, prometheusRules, receiverNames, type AlertingRule, type AlertmanagerFragment, type AlertmanagerOptions } from '../src/index.js'

const amtool = findTool('amtool', 'prometheus-alertmanager')
const alertmanagerBinary = findTool('prometheus-alertmanager', 'prometheus-alertmanager')
const scratch = mkdtempSync(join(tmpdir(), 'intervai-amtool-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

// A team's configuration the fragment is merged into: its own receivers, routes and inhibit rule.
const EXISTING = {
  global: { resolve_timeout: '5m' },
  route: {
    receiver: 'team-default',
    group_by: ['alertname'],
    routes: [{ receiver: 'team-db', matchers: ['team="db"'] }],
  },
  receivers: [
    { name: 'team-default', email_configs: [{ to: 'team@example.com', from: 'alertmanager@example.com', smarthost: 'smtp.example.com:25' }] },
    { name: 'team-db', webhook_configs: [{ url: 'http://127.0.0.1:9/db' }] },
  ],
  inhibit_rules: [{ source_matchers: ['alertname="NodeDown"'], target_matchers: ['severity="warning"'], equal: ['instance'] }],
}

/** The existing configuration with the fragment merged as the README says. */
function merged(fragment: AlertmanagerFragment): string {
  return stringify({
    ...EXISTING,
    route: { ...EXISTING.route, routes: [...fragment.routes, ...EXISTING.route.routes] },
    receivers: [...EXISTING.receivers, ...fragment.receivers],
    inhibit_rules: [...EXISTING.inhibit_rules, ...fragment.inhibit_rules],
  })
}

/** The receivers block of the README, as a config file gives it. */
function readmeReceivers(): AlertmanagerOptions {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string).find((b) => b.includes('pagerduty_configs'))
  if (block === undefined) throw new Error('no receivers block in README.md')
  return parse(block) as AlertmanagerOptions
}

function write(name: string, content: string): string {
  const file = join(scratch, name)
  writeFileSync(file, content)
  return file
}

function run(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync(amtool as string, args, { encoding: 'utf8', timeout: 30_000 })
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

/** Every alert name and severity the default rules can raise. */
const RAISED = prometheusRules()
  .groups.flatMap((g) => g.rules.filter((r): r is AlertingRule => 'alert' in r))
  .map((r) => [r.alert, r.labels.severity] as const)

describe('the receivers block of the README', () => {
  it('gives the critical, warning and info receivers a PagerDuty, Slack and email integration', () => {
    const receivers = alertmanagerConfig(readmeReceivers()).config.receivers
    expect(receivers.map((r) => Object.keys(r))).toEqual([
      ['name', 'pagerduty_configs'],
      ['name', 'slack_configs'],
      ['name', 'email_configs'],
    ])
  })
})

describe.runIf(amtool)('amtool', () => {
  it.each([
    ['the defaults', alertmanagerConfig().yaml, 3],
    ['a webhook per severity', alertmanagerConfig({ webhook: { critical: 'https://pager.example.com/', warning: 'https://chat.example.com/', info: 'http://127.0.0.1:8080/' } }).yaml, 3],
    ['the PagerDuty, Slack and email receivers of the README', alertmanagerConfig(readmeReceivers()).yaml, 3],
    ['the fragment merged into an existing configuration', merged(alertmanagerConfig().fragment), 5],
  ])('check-config accepts %s', (name, content, receivers) => {
    const result = run('check-config', write(`${name.replace(/\W+/g, '-')}.yml`, content))
    expect(result.output).toContain('SUCCESS')
    expect(result.output).toContain(` - ${receivers} receivers\n`)
    expect(result.output).toContain(` - ${receivers === 3 ? 2 : 3} inhibit rules\n`)
    expect(result.status, result.output).toBe(0)
  })

  it.each([
    ['the generated configuration', () => alertmanagerConfig().yaml],
    ['the fragment merged into an existing configuration', () => merged(alertmanagerConfig().fragment)],
  ])('routes test: in %s, every alert and severity the rules raise reaches its receiver', (name, content) => {
    expect(RAISED).toHaveLength(21)
    const file = write(`routes-${name.replace(/\W+/g, '-')}.yml`, content())
    for (const [alert, severity] of RAISED) {
      const expected = receiverNames[severity]
      const result = run('config', 'routes', 'test', `--config.file=${file}`, `--verify.receivers=${expected}`, `alertname=${alert}`, `severity=${severity}`, 'job=api')
      expect(result.status, `${alert} ${severity}: ${result.output}`).toBe(0)
      expect(result.output.split('\n')[0]).toBe(expected)
    }
  })

  it('routes test: the merged configuration keeps routing every other alert as before', () => {
    const file = write('routes-others.yml', merged(alertmanagerConfig().fragment))
    for (const [labels, expected] of [
      [['alertname=NodeDown', 'severity=critical'], 'team-default'],
      [['alertname=SlowReplica', 'severity=warning', 'team=db'], 'team-db'],
      [['alertname=ApiHighErrorRate', 'severity=critical', 'team=db'], 'intervai-page'],
    ] as const) {
      const result = run('config', 'routes', 'test', `--config.file=${file}`, `--verify.receivers=${expected}`, ...labels)
      expect(result.status, `${labels.join(' ')}: ${result.output}`).toBe(0)
    }
  })

  it('routes test fails when a severity would reach another receiver (the check can fail)', () => {
    const file = write('routes-wrong.yml', alertmanagerConfig().yaml)
    const result = run('config', 'routes', 'test', `--config.file=${file}`, '--verify.receivers=intervai-page', 'alertname=ApiHighErrorRate', 'severity=warning')
    expect(result.output.split('\n')[0]).toBe('intervai-notify')
    expect(result.status).toBe(1)
  })
})

describe.runIf(alertmanagerBinary)('a real Alertmanager with the generated inhibit rules', () => {
  const alert = (labels: Record<string, string>) => ({ labels, endsAt: new Date(Date.now() + 600_000).toISOString() })
  // `ApiHighErrorRate critical job=api`: name, severity, the other labels in order.
  const key = (labels: Record<string, string>): string =>
    [
      labels.alertname,
      labels.severity,
      Object.keys(labels)
        .filter((name) => name !== 'alertname' && name !== 'severity')
        .sort()
        .map((name) => `${name}=${labels[name]}`)
        .join(','),
    ].join(' ')

  /** Posts the alerts and waits until every one is listed with its status settled; returns who mutes whom, by alert. */
  async function inhibitions(config: string, posted: Record<string, string>[]): Promise<Record<string, string[]>> {
    const alertmanager = await startAlertmanager(alertmanagerBinary as string, config)
    try {
      await alertmanager.post(posted.map(alert))
      let listed: AlertmanagerAlert[] = []
      const deadline = Date.now() + 10_000
      // The inhibitor learns of source alerts asynchronously: read until two listings agree.
      for (let previous = ''; Date.now() < deadline; ) {
        listed = await alertmanager.alerts()
        const now = JSON.stringify(listed.map((a) => [a.fingerprint, a.status.state, a.status.inhibitedBy]).sort())
        if (listed.length === posted.length && !listed.some((a) => a.status.state === 'unprocessed') && now === previous) break
        previous = now
        await new Promise((resolve) => setTimeout(resolve, 300))
      }
      const byFingerprint = new Map(listed.map((a) => [a.fingerprint, key(a.labels)]))
      return Object.fromEntries(listed.map((a) => [key(a.labels), a.status.inhibitedBy.map((f) => byFingerprint.get(f) as string)]))
    } finally {
      await alertmanager.stop()
    }
  }

  it('mutes the warning and info of an alert while its critical fires, and the info while its warning fires, for the same series only', async () => {
    const result = await inhibitions(alertmanagerConfig().yaml, [
      { alertname: 'ApiHighErrorRate', severity: 'critical', job: 'api' },
      { alertname: 'ApiHighErrorRate', severity: 'warning', job: 'api' },
      { alertname: 'ApiHighErrorRate', severity: 'warning', job: 'web' },
      { alertname: 'ApiHighLatencyP95', severity: 'info', job: 'api' },
      { alertname: 'DatabaseHighQueryLatency', severity: 'warning', job: 'api', pool: 'main' },
      { alertname: 'DatabaseHighQueryLatency', severity: 'info', job: 'api', pool: 'main' },
      { alertname: 'DatabaseHighQueryLatency', severity: 'info', job: 'api', pool: 'quota' },
      { alertname: 'HostHighDiskUtilization', severity: 'critical', job: 'node', instance: 'h1', mountpoint: '/' },
      { alertname: 'HostHighDiskUtilization', severity: 'warning', job: 'node', instance: 'h1', mountpoint: '/' },
      { alertname: 'HostHighDiskUtilization', severity: 'warning', job: 'node', instance: 'h1', mountpoint: '/data' },
    ])
    expect(result).toEqual({
      'ApiHighErrorRate critical job=api': [],
      'ApiHighErrorRate warning job=api': ['ApiHighErrorRate critical job=api'],
      'ApiHighErrorRate warning job=web': [],
      'ApiHighLatencyP95 info job=api': [],
      'DatabaseHighQueryLatency warning job=api,pool=main': [],
      'DatabaseHighQueryLatency info job=api,pool=main': ['DatabaseHighQueryLatency warning job=api,pool=main'],
      'DatabaseHighQueryLatency info job=api,pool=quota': [],
      'HostHighDiskUtilization critical instance=h1,job=node,mountpoint=/': [],
      'HostHighDiskUtilization warning instance=h1,job=node,mountpoint=/': ['HostHighDiskUtilization critical instance=h1,job=node,mountpoint=/'],
      'HostHighDiskUtilization warning instance=h1,job=node,mountpoint=/data': [],
    })
  })

  it('merged as a fragment, mutes the IntervAI alerts and leaves every other alert alone', async () => {
    const result = await inhibitions(merged(alertmanagerConfig().fragment), [
      { alertname: 'WebSocketHighFailureRatio', severity: 'critical', job: 'api', server: 'api' },
      { alertname: 'WebSocketHighFailureRatio', severity: 'warning', job: 'api', server: 'api' },
      { alertname: 'QueueBacklog', severity: 'critical', job: 'api' },
      { alertname: 'QueueBacklog', severity: 'warning', job: 'api' },
    ])
    expect(result).toEqual({
      'WebSocketHighFailureRatio critical job=api,server=api': [],
      'WebSocketHighFailureRatio warning job=api,server=api': ['WebSocketHighFailureRatio critical job=api,server=api'],
      'QueueBacklog critical job=api': [],
      'QueueBacklog warning job=api': [],
    })
  })
})
