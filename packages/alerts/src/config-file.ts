import { readFileSync } from 'node:fs'
import { isPlainObject } from '@intervai/metrics-catalog'
import { parseDocument } from 'yaml'

/** A config file that cannot be read or is not a mapping of options. */
export class ConfigFileError extends Error {}

/**
 * The options in a YAML or JSON file (JSON is YAML): a mapping of option names to values, as the
 * API takes them. An empty file is no options. Duplicate keys are an error (YAML's rule).
 */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigFileError(`cannot read --config ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  const doc = parseDocument(text, { prettyErrors: false })
  const [problem] = [...doc.errors, ...doc.warnings]
  if (problem !== undefined) throw new ConfigFileError(`${path}: ${problem.message.split('\n')[0]}`)
  const value: unknown = doc.toJS()
  if (value === null || value === undefined) return {}
  if (!isPlainObject(value)) throw new ConfigFileError(`${path}: must be a mapping of options (prefix, thresholds, windows, for, ...)`)
  return value
}
