import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { findTool } from '../../../test/support/tools.js'
import { prometheusRules, promtoolFiles, promtoolTests, type AlertOptions } from '../src/index.js'

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))
const cases = JSON.parse(readFileSync(join(fixtures, 'cases.json'), 'utf8')) as Record<string, AlertOptions>
const promtool = findTool('promtool')
const scratch = mkdtempSync(join(tmpdir(), 'intervai-alerts-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function run(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync(promtool as string, args, { cwd: scratch, encoding: 'utf8', timeout: 30_000 })
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}

describe('committed promtool fixtures', () => {
  it.each(Object.keys(cases))('%s: match what the options generate today (npm run generate -w @intervai/metrics-alerts rewrites them)', (name) => {
    for (const [file, content] of Object.entries(promtoolFiles(cases[name] as AlertOptions, name))) {
      expect(readFileSync(join(fixtures, file), 'utf8'), file).toBe(content)
    }
  })

  it('test every one of the 21 alert rules above and below its threshold', () => {
    const file = parse(readFileSync(join(fixtures, 'default.test.yml'), 'utf8')) as { tests: { name: string }[] }
    const names = file.tests.map((t) => t.name)
    expect(names.filter((n) => / fires just above /.test(n))).toHaveLength(21)
    expect(names.filter((n) => / stays silent just below /.test(n))).toHaveLength(21)
    expect(names.filter((n) => /records nothing and stays silent without traffic/.test(n))).toHaveLength(6)
  })
})

describe.runIf(promtool)('promtool', () => {
  it('checks the generated rules without complaint', () => {
    const files = Object.keys(cases).map((name) => join(fixtures, `${name}.rules.yml`))
    const result = run('check', 'rules', ...files)
    expect(result.output).toContain('SUCCESS: 31 rules found')
    expect(result.status, result.output).toBe(0)
  })

  it('passes the committed unit tests on the committed rules', () => {
    const files = Object.keys(cases).map((name) => join(fixtures, `${name}.test.yml`))
    const result = run('test', 'rules', ...files)
    expect(result.output.match(/SUCCESS/g)).toHaveLength(files.length)
    expect(result.status, result.output).toBe(0)
  })

  it('fails the committed unit tests when a default threshold changes', () => {
    const test = readFileSync(join(fixtures, 'default.test.yml'), 'utf8').replace('default.rules.yml', 'changed.rules.yml')
    writeFileSync(join(scratch, 'changed.test.yml'), test)
    const thresholds = {
      apiErrorRatio: { critical: 0.06 },
      dbPoolUsageRatio: { critical: 0.89 },
      quotaLimitHits: { info: 101 },
      streamDurationSeconds: { info: 29 },
    }
    writeFileSync(join(scratch, 'changed.rules.yml'), prometheusRules({ thresholds }).yaml)
    const result = run('test', 'rules', 'changed.test.yml')
    expect(result.status).toBe(1)
    // A raised threshold stops the alert just above the old one; a lowered one fires it just below.
    const failed = [...result.output.matchAll(/^ {4}name: (.+?),?$/gm)].map((m) => m[1])
    expect(failed).toEqual([
      'ApiHighErrorRate critical fires just above 5%, after 5m',
      'StreamingSlowAverageDuration info fires just above 30s, after 15m',
      'StreamingSlowAverageDuration info stays silent just below 30s',
      'DatabasePoolNearlyExhausted critical fires just above 90%, after 5m',
      'DatabasePoolNearlyExhausted critical stays silent just below 90%',
      'QuotaLimitFrequentlyHit info fires just above 100, after 15m',
    ])
  })

  it('fails the committed unit tests when the runbook links move: every firing alert is expected with its runbook_url', () => {
    const test = readFileSync(join(fixtures, 'default.test.yml'), 'utf8').replace('default.rules.yml', 'moved.rules.yml')
    writeFileSync(join(scratch, 'moved.test.yml'), test)
    writeFileSync(join(scratch, 'moved.rules.yml'), prometheusRules({ runbookBase: 'https://wiki.example.com/runbooks' }).yaml)
    const result = run('test', 'rules', 'moved.test.yml')
    expect(result.status).toBe(1)
    const failed = [...result.output.matchAll(/^ {4}name: (.+?),?$/gm)].map((m) => m[1])
    expect(failed.filter((name) => / fires just above /.test(name ?? ''))).toHaveLength(21)
    expect(result.output).toContain('runbook_url="https://wiki.example.com/runbooks#apihigherrorrate"')
  })

  it('passes generated unit tests for custom thresholds, windows, for durations and grouping', () => {
    const options: AlertOptions = {
      prefix: 'svc_',
      selector: 'service="billing"',
      groupBy: ['service'],
      thresholds: { apiLatencyP95Seconds: { warning: 0.75, info: 0.3 }, quotaLimitHits: { info: 7.5 }, cpuUtilizationRatio: { critical: 0.99, warning: 0 } },
      windows: { rate: '2m', quota: '30m' },
      for: { critical: '90s', warning: '3m', info: '20m' },
    }
    for (const [file, content] of Object.entries(promtoolFiles(options, 'custom'))) writeFileSync(join(scratch, file), content)
    const result = run('test', 'rules', 'custom.test.yml')
    expect(result.status, result.output).toBe(0)
  })
})

describe('promtoolTests', () => {
  it('refuses a selector it cannot satisfy with test series', () => {
    expect(() => promtoolTests({ selector: 'job=~"api|web"' })).toThrow('promtool tests need a selector of name="value" matchers only (got "job=~\\"api|web\\"")')
  })
})
