import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { alertmanagerConfig, grafanaDashboard, prometheusRules } from '../src/index.js'

// The CLI is tested as installed: the built file, started as a process.
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), 'intervai-cli-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000, cwd: scratch })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** Writes a config file into the scratch folder; returns its name (the CLI runs there). */
function config(name: string, content: string): string {
  writeFileSync(join(scratch, name), content)
  return name
}

describe('intervai-metrics CLI', () => {
  beforeAll(() => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: build first (npm run build -w @intervai/metrics-alerts)`)
  })

  it('prints the rules for the defaults', () => {
    const result = run('rules')
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(prometheusRules().yaml)
  })

  it('prints exactly the committed default rule file', () => {
    const result = run('rules')
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(readFileSync(fileURLToPath(new URL('./fixtures/default.rules.yml', import.meta.url)), 'utf8'))
  })

  it('applies --prefix and --selector', () => {
    const result = run('rules', '--prefix', 'myapp_', '--selector', 'job="api"')
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(prometheusRules({ prefix: 'myapp_', selector: 'job="api"' }).yaml)
  })

  it('writes the dashboard to --out and nothing to standard output', () => {
    const out = join(scratch, 'dashboard.json')
    const result = run('dashboard', '--selector=job="api"', '--out', out)
    expect(result.status).toBe(0)
    expect(result.stdout).toBe('')
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(grafanaDashboard({ selector: 'job="api"' }))
  })

  it('prints the usage for --help and exits 0', () => {
    const result = run('--help')
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/^Usage: intervai-metrics <rules\|dashboard\|alertmanager> \[options\]\n/)
  })

  it.each([
    [['rules', '--bogus'], "intervai-metrics: Unknown option '--bogus'"],
    [['rules', '--prefix'], "intervai-metrics: Option '--prefix <value>' argument missing"],
    [[], 'intervai-metrics: missing command (rules, dashboard, alertmanager)'],
    [['alerts'], 'intervai-metrics: unknown command "alerts" (expected rules, dashboard, alertmanager)'],
    [['toString'], 'intervai-metrics: unknown command "toString"'],
    [['rules', '--webhook', 'http://127.0.0.1:5001/'], 'intervai-metrics: --webhook applies to the alertmanager command only'],
    [['dashboard', '--fragment'], 'intervai-metrics: --fragment applies to the alertmanager command only'],
    [['alertmanager', '--webhook', 'http://a/', '--webhook', 'critical=http://b/'], 'intervai-metrics: --webhook: give one URL for every severity, or SEVERITY=URL once per severity'],
    [['alertmanager', '--webhook', 'info=http://a/', '--webhook', 'info=http://b/'], 'intervai-metrics: --webhook info=URL given twice'],
    [['alertmanager', '--webhook', 'critical=ftp://pager'], 'intervai-metrics: --webhook (webhook.critical) must be an http(s) URL without a #fragment (got "ftp://pager")'],
    [['rules', '--runbook-base', 'wiki/runbooks'], 'intervai-metrics: --runbook-base must be an http(s) URL'],
    [['rules', 'dashboard'], 'intervai-metrics: one command expected, got rules dashboard'],
    [['rules', '--selector', 'job=api'], 'intervai-metrics: --selector must be PromQL label matchers such as job="api" (got "job=api")'],
    [['dashboard', '--prefix', 'my-app'], 'intervai-metrics: --prefix must be a string matching'],
  ])('exits 2 with a message and the usage for %j', (args, message) => {
    const result = run(...args)
    expect(result.status).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr.startsWith(message), result.stderr).toBe(true)
    expect(result.stderr).toContain('\nUsage: intervai-metrics')
  })

  it('starts with a #!/usr/bin/env node line that runs it', () => {
    const [interpreter = '', ...args] = (readFileSync(cli, 'utf8').split('\n')[0] ?? '').replace(/^#!/, '').split(' ')
    expect([interpreter, ...args]).toEqual(['/usr/bin/env', 'node'])
    // npm marks a bin executable when it installs the package; the line is what the shell then runs.
    const result = spawnSync(interpreter, [...args, cli, 'rules'], { encoding: 'utf8', timeout: 30_000 })
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(prometheusRules().yaml)
  })

  it.each([['--version'], ['-v'], ['rules', '--version']])('prints the version of its package.json for %j', (...args) => {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
    const result = run(...args)
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(`${manifest.version}\n`)
  })

  it('prints the Alertmanager configuration, with one webhook for every severity', () => {
    expect(run('alertmanager').stdout).toBe(alertmanagerConfig().yaml)
    const result = run('alertmanager', '--webhook', 'https://hooks.example.com/am')
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(alertmanagerConfig({ webhook: 'https://hooks.example.com/am' }).yaml)
  })

  it('takes --webhook SEVERITY=URL once per severity, and --fragment', () => {
    const result = run('alertmanager', '--fragment', '--webhook', 'critical=https://pager.example.com/', '--webhook=info=http://127.0.0.1:8080/')
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(alertmanagerConfig({ webhook: { critical: 'https://pager.example.com/', info: 'http://127.0.0.1:8080/' } }).fragmentYaml)
  })

  it('applies --runbook-base to the runbook links', () => {
    const result = run('rules', '--runbook-base', 'https://wiki.example.com/runbooks')
    expect(result.status).toBe(0)
    expect(result.stdout).toBe(prometheusRules({ runbookBase: 'https://wiki.example.com/runbooks' }).yaml)
  })

  describe('--config FILE', () => {
    const options = {
      prefix: 'svc_',
      groupBy: ['job', 'env'],
      thresholds: { apiErrorRatio: { critical: 0.1, warning: 0.02 } },
      windows: { rate: '10s' },
      for: { critical: '1s', warning: '5s', info: '10s' },
      runbookBase: 'https://wiki.example.com/runbooks',
      webhook: { critical: 'http://127.0.0.1:9000/page' },
      notifications: { critical: { groupWait: '1s', groupInterval: '1s' } },
      title: 'Billing',
    }
    const yamlFile = `prefix: svc_
groupBy: [job, env]
thresholds:
  apiErrorRatio: { critical: 0.1, warning: 0.02 }
windows: { rate: 10s }
for: { critical: 1s, warning: 5s, info: 10s }
runbookBase: https://wiki.example.com/runbooks
webhook: { critical: "http://127.0.0.1:9000/page" }
notifications:
  critical: { groupWait: 1s, groupInterval: 1s }
title: Billing
`

    it('sets thresholds, windows, for, prefix, groupBy and the runbook base of the rules from YAML', () => {
      const result = run('rules', '--config', config('options.yml', yamlFile))
      expect(result.stderr).toBe('')
      expect(result.status).toBe(0)
      const { webhook: _w, notifications: _n, title: _t, ...ruleOptions } = options
      expect(result.stdout).toBe(prometheusRules(ruleOptions).yaml)
    })

    it('reads JSON the same way, for the dashboard and the Alertmanager configuration too', () => {
      const file = config('options.json', JSON.stringify(options))
      const { webhook: _w, notifications: _n, ...dashboardOptions } = options
      expect(JSON.parse(run('dashboard', '--config', file).stdout)).toEqual(grafanaDashboard(dashboardOptions))
      const { title: _t, ...alertmanagerOptions } = options
      expect(run('alertmanager', '--config', file).stdout).toBe(alertmanagerConfig(alertmanagerOptions).yaml)
      expect(run('rules', '--config', file).stdout).toBe(run('rules', '--config', config('same.yml', yamlFile)).stdout)
    })

    it('lets flags override the file', () => {
      const file = config('override.yml', yamlFile)
      const { webhook: _w, notifications: _n, title: _t, ...ruleOptions } = options
      expect(run('rules', '--config', file, '--prefix', 'other_', '--selector', 'env="prod"').stdout).toBe(
        prometheusRules({ ...ruleOptions, prefix: 'other_', selector: 'env="prod"' }).yaml,
      )
      const { title: _t2, ...alertmanagerOptions } = options
      expect(run('alertmanager', '--config', file, '--webhook', 'warning=https://chat.example.com/').stdout).toBe(
        alertmanagerConfig({ ...alertmanagerOptions, webhook: { warning: 'https://chat.example.com/' } }).yaml,
      )
    })

    it('accepts the config file of the README for every command', () => {
      const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
      const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string).find((b) => b.startsWith('# intervai-metrics.yml'))
      expect(block).toBeDefined()
      const file = config('readme.yml', block as string)
      for (const command of ['rules', 'dashboard', 'alertmanager']) {
        const result = run(command, '--config', file)
        expect(result.stderr, command).toBe('')
        expect(result.status, command).toBe(0)
      }
      expect(run('rules', '--config', file).stdout).toContain('runbook_url: https://wiki.example.com/runbooks/intervai#apihigherrorrate')
    })

    it('an empty file is no options', () => {
      expect(run('rules', '--config', config('empty.yml', '# nothing yet\n')).stdout).toBe(prometheusRules().yaml)
    })

    it.each([
      ['unknown.yml', 'windows: { rate: 1m }\nthresold: 1\n', 'intervai-metrics: unknown.yml: option "thresold" must be one of the options (prefix, selector, groupBy, thresholds, windows, for, runbookBase, title, uid, businessPanels, webhook, receivers, notifications) (got 1)\n'],
      ['nested.yml', 'thresholds:\n  apiErrorRate: { critical: 0.1 }\n', 'intervai-metrics: nested.yml: option "thresholds.apiErrorRate" must be one of apiErrorRatio,'],
      ['value.yml', 'for: { critical: 300 }\n', 'intervai-metrics: value.yml: option "for.critical" must be a Prometheus duration such as "30s", "5m" or "1h" (got 300)\n'],
      // A key another command reads is checked too: the file is wrong whichever command runs.
      ['other-command.yml', 'webhook: ftp://pager\n', 'intervai-metrics: other-command.yml: option "webhook" must be an http(s) URL without a #fragment (got "ftp://pager")\n'],
      ['title.yml', 'title: 42\n', 'intervai-metrics: title.yml: option "title" must be a non-empty string (got 42)\n'],
      ['list.yml', '- prefix: x\n', 'intervai-metrics: list.yml: must be a mapping of options'],
      ['syntax.yml', 'windows: { rate: 1m\n', 'intervai-metrics: syntax.yml: '],
      ['twice.yml', 'prefix: a_\nprefix: b_\n', 'intervai-metrics: twice.yml: Map keys must be unique'],
    ])('exits 2 naming the file and the option for a bad %s, without the usage', (name, content, message) => {
      const result = run('rules', '--config', config(name, content))
      expect(result.status).toBe(2)
      expect(result.stdout).toBe('')
      expect(result.stderr.startsWith(message), result.stderr).toBe(true)
      expect(result.stderr).not.toContain('Usage:')
    })

    it('exits 2 when the file cannot be read', () => {
      const result = run('rules', '--config', 'missing.yml')
      expect(result.status).toBe(2)
      expect(result.stderr).toBe('intervai-metrics: cannot read --config missing.yml: ENOENT\n')
    })
  })
})
