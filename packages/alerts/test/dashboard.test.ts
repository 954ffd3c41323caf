import { seriesNames } from '@intervai/metrics-catalog'
import { describe, expect, it } from 'vitest'
import { grafanaDashboard, prometheusRules, type AlertingRule, type GrafanaPanel } from '../src/index.js'
import { parsePromql } from './promql.js'

const panel = (panels: GrafanaPanel[], title: string): GrafanaPanel => {
  const found = panels.find((p) => p.title === title)
  if (!found) throw new Error(`no panel ${title}`)
  return found
}
const steps = (p: GrafanaPanel): unknown =>
  (p.fieldConfig as { defaults: { thresholds: { steps: unknown[] } } }).defaults.thresholds.steps
const exprs = (panels: GrafanaPanel[]): string[] => panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr))

describe('grafanaDashboard', () => {
  it('has a row per area and one for business metrics', () => {
    const rows = grafanaDashboard().panels.filter((p) => p.type === 'row').map((p) => p.title)
    expect(rows).toEqual(['API', 'WebSocket', 'Database', 'Quotas', 'System', 'Node.js runtime', 'Business metrics'])
  })

  it('queries through a ${datasource} variable of type prometheus', () => {
    const dashboard = grafanaDashboard()
    expect(dashboard.schemaVersion).toBe(39)
    expect(dashboard.templating.list).toEqual([expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' })])
    for (const p of dashboard.panels.filter((x) => x.type === 'timeseries')) {
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' })
      for (const t of p.targets ?? []) expect(t.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' })
    }
  })

  it('draws the default alert thresholds as lines', () => {
    const panels = grafanaDashboard().panels
    expect(steps(panel(panels, 'Error rate (5xx / all)'))).toEqual([
      { color: 'green', value: null },
      { color: 'orange', value: 0.01 },
      { color: 'red', value: 0.05 },
    ])
    expect(steps(panel(panels, 'Latency p95 / p99'))).toEqual([
      { color: 'green', value: null },
      { color: 'blue', value: 1 },
      { color: 'orange', value: 2 },
    ])
    expect(steps(panel(panels, 'Pool connections used / max'))).toEqual([{ color: 'green', value: null }, { color: 'red', value: 0.9 }])
    expect(steps(panel(panels, 'Quota limit hits per 1h'))).toEqual([{ color: 'green', value: null }, { color: 'blue', value: 100 }])
    expect((panel(panels, 'CPU utilization').fieldConfig as { defaults: { custom: { thresholdsStyle: unknown } } }).defaults.custom.thresholdsStyle)
      .toEqual({ mode: 'line' })
  })

  it('takes thresholds from the same options as the rules', () => {
    const panels = grafanaDashboard({ thresholds: { diskUtilizationRatio: { warning: 0.6, critical: 0.75 } } }).panels
    expect(steps(panel(panels, 'Disk utilization'))).toEqual([
      { color: 'green', value: null },
      { color: 'orange', value: 0.6 },
      { color: 'red', value: 0.75 },
    ])
  })

  it('puts the business panels of the options in the business row', () => {
    const dashboard = grafanaDashboard({
      businessPanels: [{ title: 'Optimizations per second', expr: 'sum by (outcome) (rate(interview_ai_optimizations_total[5m]))', legend: '{{outcome}}', unit: 'ops' }],
    })
    const last = dashboard.panels.at(-1) as GrafanaPanel
    const row = dashboard.panels.at(-2) as GrafanaPanel
    expect(row.title).toBe('Business metrics')
    expect(last.title).toBe('Optimizations per second')
    expect(last.gridPos.y).toBe(row.gridPos.y + 1)
    expect(last.targets).toEqual([
      { refId: 'A', datasource: { type: 'prometheus', uid: '${datasource}' }, expr: 'sum by (outcome) (rate(interview_ai_optimizations_total[5m]))', legendFormat: '{{outcome}}', range: true },
    ])
  })

  it('gives every panel a distinct id and lays panels out without overlap', () => {
    const panels = grafanaDashboard({ businessPanels: [{ title: 'a', expr: 'up' }] }).panels
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length)
    const cells = new Set<string>()
    for (const { gridPos: g } of panels) {
      for (let x = g.x; x < g.x + g.w; x++) for (let y = g.y; y < g.y + g.h; y++) {
        expect(cells.has(`${x},${y}`)).toBe(false)
        cells.add(`${x},${y}`)
      }
    }
  })

  it('parses every expression and reads only metrics the packages define', () => {
    for (const options of [{}, { prefix: 'myapp_', selector: 'job="api"', groupBy: [] }]) {
      const known = seriesNames(options.prefix)
      const all = exprs(grafanaDashboard(options).panels)
      expect(all).toHaveLength(50)
      const used = new Set<string>()
      for (const expr of all) {
        const parsed = parsePromql(expr)
        expect(parsed.errors, expr).toEqual([])
        for (const name of parsed.metricNames) {
          expect(known.has(name), `${name} in ${expr}`).toBe(true)
          used.add(name)
        }
      }
      // Every metric of the catalog is on the dashboard (a histogram through one of its series).
      const families = [...known].filter((name) => !known.has(name.replace(/_(bucket|sum|count)$/, '')) || !/_(bucket|sum|count)$/.test(name))
      for (const family of families) {
        expect([family, `${family}_bucket`, `${family}_sum`, `${family}_count`].some((n) => used.has(n)), family).toBe(true)
      }
    }
  })

  it.each([
    ['defaults', {}],
    ['prefix, selector, no grouping, other windows', { prefix: 'myapp_', selector: 'job="api"', groupBy: [], windows: { rate: '2m', quota: '30m' } }],
  ])('draws each alerted value with the expression its alert compares (%s)', (_name, options) => {
    // The rules' value with every recording rule it reads written out: what the panel must show.
    const rules = prometheusRules(options)
    const records = new Map(rules.groups.flatMap((g) => g.rules.flatMap((r) => ('record' in r ? [[r.record, r.expr] as const] : []))))
    const expand = (expr: string): string => {
      let out = expr
      for (let changed = true; changed; ) {
        changed = false
        for (const [record, recorded] of records) {
          if (out.includes(record)) {
            out = out.split(record).join(recorded)
            changed = true
          }
        }
      }
      return out
    }
    const alerts = rules.groups.flatMap((g) => g.rules.filter((r): r is AlertingRule => 'alert' in r))
    const valueOf = (alert: string): string => expand((alerts.find((a) => a.alert === alert) as AlertingRule).expr.replace(/ > [^ ]+$/, ''))
    const panels = grafanaDashboard(options).panels
    const quota = options.windows?.quota ?? '1h'
    const shown: Record<string, string> = {
      ApiHighErrorRate: 'Error rate (5xx / all)',
      ApiHighLatencyP95: 'Latency p95 / p99',
      WebSocketHighFailureRatio: 'Connection failures / attempts',
      StreamingSlowAverageDuration: 'Average streaming duration',
      DatabasePoolNearlyExhausted: 'Pool connections used / max',
      DatabaseHighQueryLatency: 'Average query latency',
      QuotaLimitFrequentlyHit: `Quota limit hits per ${quota}`,
      HostHighCpuUtilization: 'CPU utilization',
      HostHighMemoryUtilization: 'Memory utilization',
      HostHighDiskUtilization: 'Disk utilization',
      NodejsHighEventLoopDelayP99: 'Event loop delay',
      NodejsHighEventLoopUtilization: 'Event loop utilization',
      NodejsHighHeapUsage: 'Heap used / heap limit',
    }
    expect(Object.keys(shown).sort()).toEqual([...new Set(alerts.map((a) => a.alert))].sort())
    for (const [alert, title] of Object.entries(shown)) {
      expect(panel(panels, title).targets?.[0]?.expr, alert).toBe(valueOf(alert))
    }
  })

  it('adds the selector to every query', () => {
    for (const expr of exprs(grafanaDashboard({ selector: 'job="api"' }).panels)) {
      expect(expr.split('{job="api"').length - 1, expr).toBe(parsePromql(expr).metricNames.length)
    }
  })

  it('rejects an unknown option instead of ignoring it', () => {
    expect(() => grafanaDashboard({ titel: 'Billing' } as never)).toThrow(
      '@intervai/metrics-alerts: option "titel" must be one of the options (prefix, selector, groupBy, thresholds, windows, for, runbookBase, title, uid, businessPanels) (got "Billing")',
    )
    expect(() => grafanaDashboard({ businessPanels: [{ title: 'a', expr: 'up', legnd: '{{job}}' }] } as never)).toThrow(
      'option "businessPanels[0].legnd" must be one of title, expr, legend, unit, description (got "legnd")',
    )
  })

  it.each([
    [{ uid: 'x'.repeat(41) }, 'option "uid" must be at most 40 characters'],
    [{ businessPanels: {} }, 'option "businessPanels" must be an array of { title, expr }'],
    [{ businessPanels: [{ title: 'a' }] }, 'option "businessPanels[0].expr" must be a non-empty string (got undefined)'],
    [{ title: 42 }, 'option "title" must be a non-empty string (got 42)'],
  ])('rejects %j with an error naming the option', (options, message) => {
    expect(() => grafanaDashboard(options as never)).toThrow(message)
  })
})
