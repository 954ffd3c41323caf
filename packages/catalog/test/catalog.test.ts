import { describe, expect, it } from 'vitest'
import {
  alertCatalog,
  allMetrics,
  LABEL_NAME_PATTERN as LABEL_NAME,
  METRIC_NAME_PATTERN as METRIC_NAME,
  metricCatalog,
  seriesNames,
  severities,
  buckets,
  gcKinds,
  type AlertSpec,
  type MetricSpec,
} from '../src/index.js'

describe('the metric catalog', () => {
  it('names every metric once, in Prometheus naming, with valid label names', () => {
    const names = allMetrics().map((m) => m.name)
    expect(new Set(names).size).toBe(names.length)
    for (const metric of allMetrics()) {
      expect(metric.name).toMatch(METRIC_NAME)
      if (metric.type === 'counter') expect(metric.name.endsWith('_total')).toBe(true)
      for (const label of metric.labelNames) {
        expect(label).toMatch(LABEL_NAME)
        expect(label === 'le' || label.startsWith('__')).toBe(false)
      }
      expect(new Set(metric.labelNames).size).toBe(metric.labelNames.length)
    }
  })

  it('gives every histogram strictly increasing buckets and no other metric any', () => {
    for (const metric of allMetrics()) {
      if (metric.type !== 'histogram') {
        expect(metric.buckets).toBeUndefined()
        continue
      }
      const bounds = metric.buckets as readonly number[]
      expect(bounds.length).toBeGreaterThan(0)
      for (let i = 1; i < bounds.length; i++) expect(bounds[i] as number).toBeGreaterThan(bounds[i - 1] as number)
    }
  })

  it('lists known values only for labels the metric has', () => {
    for (const metric of allMetrics()) {
      for (const label of Object.keys(metric.knownValues ?? {})) expect(metric.labelNames).toContain(label)
    }
  })

  it('lists 61 series names: 27 metrics of the packages, 13 of the runtime, and _bucket, _sum and _count of the 7 histograms', () => {
    expect(allMetrics()).toHaveLength(27 + 13)
    expect(seriesNames().size).toBe(27 + 13 + 7 * 3)
    expect([...seriesNames('app_')].every((name) => name.startsWith('app_'))).toBe(true)
    expect(seriesNames('app_').has('app_http_server_request_duration_seconds_bucket')).toBe(true)
  })
})

describe('the runtime area', () => {
  const runtime = Object.values(metricCatalog.runtime) as MetricSpec[]

  it("keeps prom-client's default metric names (process_*, nodejs_*) and adds two of ours", () => {
    expect(runtime.every((m) => m.name.startsWith('process_') || m.name.startsWith('nodejs_'))).toBe(true)
    expect(metricCatalog.runtime.eventLoopUtilization).toMatchObject({ name: 'nodejs_eventloop_utilization_ratio', type: 'gauge', labelNames: [] })
    expect(metricCatalog.runtime.heapLimit).toMatchObject({ name: 'nodejs_heap_size_limit_bytes', type: 'gauge', labelNames: [] })
    expect(metricCatalog.runtime.eventLoopDelayP99).toMatchObject({ name: 'nodejs_eventloop_lag_p99_seconds', type: 'gauge' })
  })

  it("gives the GC histogram prom-client's default buckets and its four kinds", () => {
    expect(metricCatalog.runtime.gcDuration.buckets).toEqual([0.001, 0.01, 0.1, 1, 2, 5])
    expect(metricCatalog.runtime.gcDuration.buckets).toBe(buckets.gcDuration)
    expect(metricCatalog.runtime.gcDuration.knownValues.kind).toEqual(['major', 'minor', 'incremental', 'weakcb'])
    expect(gcKinds).toBe(metricCatalog.runtime.gcDuration.knownValues.kind)
  })
})

describe('the alert catalog', () => {
  const alerts = Object.entries(alertCatalog) as [string, AlertSpec][]

  it('makes every alert threshold a bucket bound of the histogram it is read from', () => {
    const checked: string[] = []
    for (const [key, spec] of alerts) {
      if (spec.histogram === undefined) continue
      for (const threshold of Object.values(spec.thresholds)) {
        expect(spec.histogram.buckets, `${key} ${threshold}`).toContain(threshold)
        checked.push(`${key}=${threshold}`)
      }
    }
    expect(checked).toEqual([
      'apiLatencyP95Seconds=2',
      'apiLatencyP95Seconds=1',
      'streamDurationSeconds=30',
      'dbQueryLatencySeconds=0.5',
      'dbQueryLatencySeconds=0.2',
    ])
  })

  it('orders thresholds critical above warning above info, ratios within 0..1', () => {
    for (const [key, spec] of alerts) {
      const set = severities.flatMap((s) => (spec.thresholds[s] === undefined ? [] : [spec.thresholds[s] as number]))
      expect(set.length, key).toBeGreaterThan(0)
      for (let i = 1; i < set.length; i++) expect(set[i] as number, key).toBeLessThan(set[i - 1] as number)
      if (spec.kind === 'ratio') for (const t of set) expect(t > 0 && t < 1, key).toBe(true)
    }
  })

  it('has distinct alert names', () => {
    const names = alerts.map(([, spec]) => spec.alert)
    expect(new Set(names).size).toBe(names.length)
  })

  it('has the runtime alerts of DESIGN.md in their own area, read from gauges (no histogram, so no bucket bound to hold)', () => {
    const runtime = alerts.filter(([, spec]) => spec.area === 'runtime')
    expect(runtime.map(([key, spec]) => [key, spec.alert, spec.kind, spec.thresholds])).toEqual([
      ['eventLoopDelayP99Seconds', 'NodejsHighEventLoopDelayP99', 'seconds', { warning: 0.5, info: 0.1 }],
      ['eventLoopUtilizationRatio', 'NodejsHighEventLoopUtilization', 'ratio', { warning: 0.9 }],
      ['heapUsageRatio', 'NodejsHighHeapUsage', 'ratio', { warning: 0.9 }],
    ])
    for (const [, spec] of runtime) expect(spec.histogram).toBeUndefined()
  })

  it('reads latency alerts from the HTTP, pg and stream histograms', () => {
    expect(alertCatalog.apiLatencyP95Seconds.histogram).toBe(metricCatalog.http.requestDuration)
    expect(alertCatalog.dbQueryLatencySeconds.histogram).toBe(metricCatalog.pg.queryDuration)
    expect(alertCatalog.streamDurationSeconds.histogram).toBe(metricCatalog.ws.streamDuration)
  })
})

describe('the catalog as shared defaults', () => {
  it('cannot be changed by a caller', () => {
    expect(Object.isFrozen(alertCatalog.apiErrorRatio.thresholds)).toBe(true)
    expect(Object.isFrozen(metricCatalog.http.requestDuration.buckets)).toBe(true)
    expect(() => {
      ;(alertCatalog.apiErrorRatio.thresholds as { critical: number }).critical = 0.5
    }).toThrow(TypeError)
    expect(alertCatalog.apiErrorRatio.thresholds.critical).toBe(0.05)
  })
})
