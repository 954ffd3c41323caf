import { metricCatalog, seriesNames } from '@intervai/metrics-catalog'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { prometheusRules, type AlertingRule } from '../src/index.js'
import { parsePromql } from './promql.js'

const alertsOf = (rules = prometheusRules()): AlertingRule[] =>
  rules.groups.flatMap((g) => g.rules.filter((r): r is AlertingRule => 'alert' in r))
const recordsOf = (rules = prometheusRules()): string[] =>
  rules.groups.flatMap((g) => g.rules.flatMap((r) => ('record' in r ? [r.record] : [])))
const exprsOf = (rules = prometheusRules()): string[] => rules.groups.flatMap((g) => g.rules.map((r) => r.expr))

describe('prometheusRules', () => {
  it('has 6 critical, 10 warning and 5 info alerts', () => {
    const count = (severity: string): number => alertsOf().filter((a) => a.labels.severity === severity).length
    expect([count('critical'), count('warning'), count('info')]).toEqual([6, 10, 5])
  })

  it('puts each alert at its default threshold from the design table', () => {
    const thresholds = alertsOf().map((a) => `${a.alert} ${a.labels.severity} ${a.expr.split(' > ').at(-1)}`)
    expect(thresholds).toEqual([
      'ApiHighErrorRate critical 0.05',
      'ApiHighErrorRate warning 0.01',
      'ApiHighLatencyP95 warning 2',
      'ApiHighLatencyP95 info 1',
      'WebSocketHighFailureRatio critical 0.1',
      'WebSocketHighFailureRatio warning 0.01',
      'StreamingSlowAverageDuration info 30',
      'DatabasePoolNearlyExhausted critical 0.9',
      'DatabaseHighQueryLatency warning 0.5',
      'DatabaseHighQueryLatency info 0.2',
      'QuotaLimitFrequentlyHit info 100',
      'HostHighCpuUtilization critical 0.9',
      'HostHighCpuUtilization warning 0.7',
      'HostHighMemoryUtilization critical 0.9',
      'HostHighMemoryUtilization warning 0.8',
      'HostHighDiskUtilization critical 0.95',
      'HostHighDiskUtilization warning 0.8',
      'NodejsHighEventLoopDelayP99 warning 0.5',
      'NodejsHighEventLoopDelayP99 info 0.1',
      'NodejsHighEventLoopUtilization warning 0.9',
      'NodejsHighHeapUsage warning 0.9',
    ])
  })

  it('gives every alert its severity\'s for duration', () => {
    const fors = new Set(alertsOf().map((a) => `${a.labels.severity}=${a.for}`))
    expect([...fors].sort()).toEqual(['critical=5m', 'info=15m', 'warning=10m'])
  })

  it('shows the measured value in every summary and description', () => {
    for (const alert of alertsOf()) {
      expect(alert.annotations.summary).toMatch(/\{\{ \$value \| humanize(Percentage|Duration)? \}\}/)
      expect(alert.annotations.description).toMatch(/\{\{ \$value \| humanize(Percentage|Duration)? \}\}/)
    }
  })

  it('returns YAML that holds exactly the rule groups', () => {
    const rules = prometheusRules({ selector: 'job="api"' })
    expect(parse(rules.yaml)).toEqual({ groups: rules.groups })
  })

  it('takes thresholds, windows and for durations from the options', () => {
    const rules = prometheusRules({
      thresholds: { apiErrorRatio: { critical: 0.2 } },
      windows: { rate: '2m', quota: '30m' },
      for: { critical: '1m' },
    })
    const critical = alertsOf(rules).find((a) => a.alert === 'ApiHighErrorRate' && a.labels.severity === 'critical')
    expect(critical?.expr).toBe('job:http_server_request_duration_seconds_count:error_ratio_rate2m > 0.2')
    expect(critical?.for).toBe('1m')
    expect(critical?.annotations.summary).toBe('API error rate is {{ $value | humanizePercentage }} (above 20%)')
    expect(alertsOf(rules).find((a) => a.alert === 'QuotaLimitFrequentlyHit')?.expr).toBe(
      'sum by (job, quota) (increase(quota_limit_hits_total[30m])) > 100',
    )
  })

  it('guards the error ratio so that no traffic records nothing instead of NaN', () => {
    const rules = prometheusRules()
    const ratio = rules.groups[0]?.rules.find((r) => 'record' in r && r.record.includes('error_ratio'))
    expect(ratio?.expr).toBe(
      '(sum by (job) (rate(http_server_request_duration_seconds_count{status_code=~"5.."}[5m])) or job:http_server_request_duration_seconds_count:rate5m * 0)' +
        ' / (job:http_server_request_duration_seconds_count:rate5m > 0)',
    )
  })

  it('adds the selector to every metric it selects, and the prefix to every name', () => {
    const rules = prometheusRules({ prefix: 'myapp_', selector: 'job="api", env!~"dev|test"' })
    const records = new Set(recordsOf(rules))
    let selected = 0
    for (const expr of exprsOf(rules)) {
      const raw = parsePromql(expr).metricNames.filter((name) => !records.has(name))
      for (const name of raw) {
        expect(name.startsWith('myapp_')).toBe(true)
        selected++
      }
      expect(expr.split('{job="api", env!~"dev|test"').length - 1).toBe(raw.length)
    }
    expect(selected).toBe(23)
  })

  it('parses every expression and reads only metrics the packages define, or its own recordings', () => {
    for (const options of [{}, { prefix: 'myapp_', selector: 'job="api"', groupBy: [] }]) {
      const rules = prometheusRules(options)
      const known = new Set([...seriesNames(options.prefix), ...recordsOf(rules)])
      for (const expr of exprsOf(rules)) {
        const parsed = parsePromql(expr)
        expect(parsed.errors, expr).toEqual([])
        expect(parsed.metricNames.length, expr).toBeGreaterThan(0)
        for (const name of parsed.metricNames) expect(known.has(name), `${name} in ${expr}`).toBe(true)
      }
    }
  })

  it('takes metric names from the catalog', () => {
    const exprs = exprsOf().join('\n')
    expect(exprs).toContain(`${metricCatalog.http.requestDuration.name}_bucket`)
    expect(exprs).toContain(`${metricCatalog.pg.poolConnections.name}{state="used"}`)
    expect(exprs).toContain(metricCatalog.pg.poolMaxConnections.name)
  })

  it('groups API alerts by the groupBy labels', () => {
    const rules = prometheusRules({ groupBy: ['service'] })
    expect(recordsOf(rules)[0]).toBe('service:http_server_request_duration_seconds_count:rate5m')
    expect(rules.groups[0]?.rules[0]?.expr).toBe('sum by (service) (rate(http_server_request_duration_seconds_count[5m]))')
  })
})
