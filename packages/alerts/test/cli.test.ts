import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { grafanaDashboard, prometheusRules } from '../src/index.js'

// The CLI is tested as installed: the built file, started as a process.
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), 'intervai-cli-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function run(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 30_000 })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
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
    expect(result.stdout).toMatch(/^Usage: intervai-metrics <rules\|dashboard> \[options\]\n/)
  })

  it.each([
    [['rules', '--bogus'], "intervai-metrics: Unknown option '--bogus'"],
    [['rules', '--prefix'], "intervai-metrics: Option '--prefix <value>' argument missing"],
    [[], 'intervai-metrics: missing command (rules or dashboard)'],
    [['alerts'], 'intervai-metrics: unknown command "alerts" (expected rules or dashboard)'],
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
})
