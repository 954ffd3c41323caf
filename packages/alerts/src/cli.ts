#!/usr/bin/env node
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { grafanaDashboard } from './dashboard.js'
import { prometheusRules } from './rules.js'

const USAGE = `Usage: intervai-metrics <rules|dashboard> [options]

Commands:
  rules        Prometheus recording and alerting rules (YAML)
  dashboard    Grafana dashboard (JSON)

Options:
  --prefix P     metric name prefix the app uses (default: none)
  --selector S   extra label matchers for every query, e.g. 'job="api"'
  --out FILE     write to FILE instead of standard output
  -h, --help     show this help
`

/** A command-line mistake: reported with the usage, exit code 2. */
class UsageError extends Error {}

function run(argv: string[]): string | undefined {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        prefix: { type: 'string' },
        selector: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const { values, positionals } = parsed
  if (values.help) return USAGE
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'missing command (rules or dashboard)' : `one command expected, got ${positionals.join(' ')}`)
  }
  const command = positionals[0]
  const options = { prefix: values.prefix, selector: values.selector }
  let output: string
  try {
    if (command === 'rules') output = prometheusRules(options).yaml
    else if (command === 'dashboard') output = `${JSON.stringify(grafanaDashboard(options), null, 2)}\n`
    else throw new UsageError(`unknown command ${JSON.stringify(command)} (expected rules or dashboard)`)
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message.replace(/^@intervai\/metrics-alerts: option "(\w+)"/, '--$1'))
    throw error
  }
  if (values.out === undefined) return output
  if (values.out === '') throw new UsageError('--out needs a file name')
  writeFileSync(values.out, output)
  return undefined
}

try {
  const output = run(process.argv.slice(2))
  if (output !== undefined) process.stdout.write(output)
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`intervai-metrics: ${error.message}\n\n${USAGE}`)
    process.exitCode = 2
  } else {
    process.stderr.write(`intervai-metrics: ${(error as Error).message}\n`)
    process.exitCode = 1
  }
}
