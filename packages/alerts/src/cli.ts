#!/usr/bin/env node
import { readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { severities } from '@intervai/metrics-catalog'
import { checkAllCommands, commands, pick } from './commands.js'
import { ConfigFileError, readConfigFile } from './config-file.js'

const USAGE = `Usage: intervai-metrics <${Object.keys(commands).join('|')}> [options]

Commands:
${Object.entries(commands)
  .map(([name, command]) => `  ${name.padEnd(15)}${command.summary}`)
  .join('\n')}

Options:
  --config FILE         options from a YAML or JSON file, as the API takes them: thresholds,
                        windows, for, prefix, selector, groupBy, runbookBase, webhook, receivers,
                        notifications, title, ... (flags override it)
  --prefix P            metric name prefix the app uses (default: none)
  --selector S          extra label matchers for every query, e.g. 'job="api"'
  --runbook-base URL    where the runbook links point (default: RUNBOOKS.md of this package on GitHub)
  --webhook URL         alertmanager: the webhook of every severity; or SEVERITY=URL, once per severity
  --fragment            alertmanager: only the route, receivers and inhibit rules to merge into yours
  --out FILE            write to FILE instead of standard output
  -v, --version         print the version
  -h, --help            show this help
`

/** The flags that set an option, by option name. */
const FLAGS: Record<string, string> = { prefix: '--prefix', selector: '--selector', runbookBase: '--runbook-base', webhook: '--webhook' }
const ALERTMANAGER_ONLY = ['webhook', 'fragment'] as const
const SEVERITY_URL = new RegExp(`^(${severities.join('|')})=(.*)$`)

/** Bad input: reported on standard error, exit code 2. */
class InputError extends Error {}
/** A command-line mistake: reported with the usage, exit code 2. */
class UsageError extends InputError {}

function run(argv: string[]): string | undefined {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' },
        prefix: { type: 'string' },
        selector: { type: 'string' },
        'runbook-base': { type: 'string' },
        webhook: { type: 'string', multiple: true },
        fragment: { type: 'boolean' },
        out: { type: 'string' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const { values, positionals } = parsed
  if (values.help) return USAGE
  if (values.version) return `${version()}\n`
  const names = Object.keys(commands).join(', ')
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? `missing command (${names})` : `one command expected, got ${positionals.join(' ')}`)
  }
  const name = positionals[0] as string
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined
  if (command === undefined) throw new UsageError(`unknown command ${JSON.stringify(name)} (expected ${names})`)
  for (const flag of ALERTMANAGER_ONLY) {
    if (values[flag] !== undefined && name !== 'alertmanager') throw new UsageError(`--${flag} applies to the alertmanager command only`)
  }

  const flagged: Record<string, unknown> = {}
  if (values.prefix !== undefined) flagged.prefix = values.prefix
  if (values.selector !== undefined) flagged.selector = values.selector
  if (values['runbook-base'] !== undefined) flagged.runbookBase = values['runbook-base']
  if (values.webhook !== undefined) flagged.webhook = webhookOption(values.webhook)
  const file = values.config === undefined ? {} : readConfigFile(values.config)
  const options = { ...file, ...flagged }

  let output: string
  try {
    // Every key of a config file is checked, whichever command reads it.
    if (values.config !== undefined) checkAllCommands(options)
    output = command.generate(pick(options, command.options), values.fragment ?? false)
  } catch (error) {
    if (error instanceof TypeError) throw attribute(error.message, flagged, values.config)
    throw error
  }
  if (values.out === undefined) return output
  if (values.out === '') throw new UsageError('--out needs a file name')
  writeFileSync(values.out, output)
  return undefined
}

/** `--webhook URL` (every severity) or `--webhook critical=URL --webhook info=URL …`. */
function webhookOption(given: string[]): string | Record<string, string> {
  const bySeverity = given.map((value) => SEVERITY_URL.exec(value))
  const plain = given.filter((_, i) => bySeverity[i] === null)
  if (plain.length > 0) {
    if (given.length > 1) throw new UsageError('--webhook: give one URL for every severity, or SEVERITY=URL once per severity')
    return plain[0] as string
  }
  const out: Record<string, string> = {}
  for (const match of bySeverity) {
    const [, severity = '', url = ''] = match as RegExpExecArray
    if (severity in out) throw new UsageError(`--webhook ${severity}=URL given twice`)
    out[severity] = url
  }
  return out
}

/** An option error, told in the user's terms: the flag that set the option, or the config file. */
function attribute(message: string, flagged: Record<string, unknown>, configFile: string | undefined): InputError {
  const match = /^@intervai\/metrics-alerts: option "([^"]+)" /.exec(message)
  if (match === null) return new InputError(message)
  const path = match[1] as string
  const rest = message.slice(match[0].length)
  const root = path.split(/[.[]/)[0] as string
  if (root in flagged) return new UsageError(`${FLAGS[root]}${path === root ? '' : ` (${path})`} ${rest}`)
  return new InputError(`${configFile === undefined ? '' : `${configFile}: `}option "${path}" ${rest}`)
}

/** The version of this package, from its package.json next to dist/. */
function version(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version
}

try {
  const output = run(process.argv.slice(2))
  if (output !== undefined) process.stdout.write(output)
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`intervai-metrics: ${error.message}\n\n${USAGE}`)
    process.exitCode = 2
  } else if (error instanceof InputError || error instanceof ConfigFileError) {
    process.stderr.write(`intervai-metrics: ${error.message}\n`)
    process.exitCode = 2
  } else {
    process.stderr.write(`intervai-metrics: ${(error as Error).message}\n`)
    process.exitCode = 1
  }
}
