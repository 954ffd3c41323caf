import { readFileSync } from 'node:fs'
import { alertCatalog, defaultForDurations, defaultWindows } from '@intervai/metrics-catalog'
import { describe, expect, it } from 'vitest'
import { defaultThresholds, prometheusRules, resolveAlertOptions } from '../src/index.js'

// `{ critical: 0.05, warning: 0.01 }` or `'5m'`, as the JSDoc writes them, as a value.
const jsdocValue = (text: string): unknown => JSON.parse(text.replace(/'/g, '"').replace(/(\w+):/g, '"$1":'))

describe('alert options', () => {
  it('default to the thresholds of the design table', () => {
    expect(resolveAlertOptions().thresholds).toEqual({
      apiErrorRatio: { critical: 0.05, warning: 0.01 },
      apiLatencyP95Seconds: { warning: 2, info: 1 },
      wsFailureRatio: { critical: 0.1, warning: 0.01 },
      dbPoolUsageRatio: { critical: 0.9 },
      dbQueryLatencySeconds: { warning: 0.5, info: 0.2 },
      cpuUtilizationRatio: { critical: 0.9, warning: 0.7 },
      memoryUtilizationRatio: { critical: 0.9, warning: 0.8 },
      diskUtilizationRatio: { critical: 0.95, warning: 0.8 },
      quotaLimitHits: { info: 100 },
      streamDurationSeconds: { info: 30 },
      eventLoopDelayP99Seconds: { warning: 0.5, info: 0.1 },
      eventLoopUtilizationRatio: { warning: 0.9 },
      heapUsageRatio: { warning: 0.9 },
    })
  })

  it('keep the defaults of the severities an override leaves out', () => {
    const { thresholds } = resolveAlertOptions({ thresholds: { cpuUtilizationRatio: { warning: 0.6 } } })
    expect(thresholds.cpuUtilizationRatio).toEqual({ critical: 0.9, warning: 0.6 })
  })

  it('cannot change the exported defaults', () => {
    expect(Object.isFrozen(defaultThresholds)).toBe(true)
    expect(Object.isFrozen(defaultThresholds.apiErrorRatio)).toBe(true)
  })

  it('take every default from the catalog', () => {
    const { thresholds, windows, for: forDurations } = resolveAlertOptions()
    expect(Object.keys(thresholds)).toEqual(Object.keys(alertCatalog))
    for (const [key, spec] of Object.entries(alertCatalog)) expect(thresholds[key as keyof typeof thresholds], key).toEqual(spec.thresholds)
    expect(windows).toEqual(defaultWindows)
    expect(forDurations).toEqual(defaultForDurations)
  })

  it('document in each @default the value the catalog gives', () => {
    const source = readFileSync(new URL('../src/options.ts', import.meta.url), 'utf8')
    const documented = Object.fromEntries(
      [...source.matchAll(/@default ([{'][^\n]*?[}'])\s*\*\/\n\s*(\w+)\??:/g)].map((m) => [m[2] as string, jsdocValue(m[1] as string)]),
    )
    for (const [key, spec] of Object.entries(alertCatalog)) expect(documented[key], key).toEqual(spec.thresholds)
    for (const [key, value] of Object.entries({ ...defaultWindows, ...defaultForDurations })) expect(documented[key], key).toBe(value)
    expect(documented.windows).toEqual(defaultWindows)
    expect(documented.for).toEqual(defaultForDurations)
  })

  it('reject an unknown option instead of ignoring it', () => {
    expect(() => prometheusRules({ threshold: { apiErrorRatio: { critical: 0.1 } } } as never)).toThrow(
      '@intervai/metrics-alerts: option "threshold" must be one of the options (prefix, selector, groupBy, thresholds, windows, for, runbookBase) (got {"apiErrorRatio":{"critical":0.1}})',
    )
  })

  it('strip braces around the selector', () => {
    expect(resolveAlertOptions({ selector: ' {job="api"} ' }).selector).toBe('job="api"')
  })

  it.each([
    [{ prefix: 'my-app' }, 'option "prefix" must be a string matching'],
    [{ selector: 'job=api' }, 'option "selector" must be PromQL label matchers such as job="api" (got "job=api")'],
    [{ selector: 'job="api"} or vector(1) # {' }, 'option "selector" must be PromQL label matchers'],
    [{ groupBy: ['le'] }, 'option "groupBy" must be label names'],
    [{ thresholds: { apiErrorRatio: { critical: 5 } } }, 'option "thresholds.apiErrorRatio.critical" must be a finite number from 0 to 1 (got 5)'],
    [{ thresholds: { apiErrorRatio: { warning: 0.1 } } }, 'option "thresholds.apiErrorRatio.warning" must be below thresholds.apiErrorRatio.critical (0.05) (got 0.1)'],
    [{ thresholds: { apiErrorRatio: { info: 0.001 } } }, 'option "thresholds.apiErrorRatio.info" must be one of critical, warning (got "info")'],
    [{ thresholds: { cpu: { critical: 0.5 } } }, 'option "thresholds.cpu" must be one of apiErrorRatio'],
    [{ thresholds: { quotaLimitHits: { info: Number.NaN } } }, 'option "thresholds.quotaLimitHits.info" must be a finite number'],
    [{ windows: { rate: '5 minutes' } }, 'option "windows.rate" must be a Prometheus duration such as "30s", "5m" or "1h" (got "5 minutes")'],
    [{ windows: { rate: '0m' } }, 'option "windows.rate" must be a Prometheus duration'],
    [{ for: { critical: 300 } }, 'option "for.critical" must be a Prometheus duration such as "30s", "5m" or "1h" (got 300)'],
    [{ for: { page: '1m' } }, 'option "for.page" must be one of critical, warning, info (got "page")'],
    [{ runbookBase: 'ftp://example.com/runbooks' }, 'option "runbookBase" must be an http(s) URL without a #fragment (got "ftp://example.com/runbooks")'],
    [{ runbookBase: 'https://example.com/runbooks.md#top' }, 'option "runbookBase" must be an http(s) URL without a #fragment'],
    [{ runbookBase: 'runbooks.md' }, 'option "runbookBase" must be an http(s) URL'],
  ])('reject %j with an error naming the option', (options, message) => {
    expect(() => prometheusRules(options as never)).toThrow(TypeError)
    expect(() => prometheusRules(options as never)).toThrow(message)
  })
})
