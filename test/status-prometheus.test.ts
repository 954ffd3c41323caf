import { prometheusRules, type AlertOptions } from '@intervai/metrics-alerts'
import { createMetrics, type MetricsServer } from '@intervai/metrics-core'
import { statusRoutes, type StatusData, type StatusRoutes } from '@intervai/metrics-status'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { STATUS_BUSINESS_PANELS } from '../examples/intervai-service/src/instrument.js'
import { SIMULATE } from '../examples/intervai-service/src/model.js'
import { JOB, prometheusConfig } from '../examples/intervai-service/src/prometheus-files.js'
import { USER_HEADER } from '../examples/intervai-service/src/routes.js'
import { resumeText, runScenario } from '../examples/intervai-service/src/scenario.js'
import { buildService, type Service } from '../examples/intervai-service/src/service.js'
import { createTestDatabase, type TestDatabase } from './support/database.js'
import { parseExposition, sumOf } from './support/exposition.js'
import { startPrometheus, type TestPrometheus } from './support/prometheus.js'
import { findTool } from './support/tools.js'
import { waitFor } from './support/wait.js'

const prometheusBinary = findTool('prometheus')

// Short windows and `for` durations, for the rules Prometheus evaluates and the page alike.
const ALERTS: AlertOptions = { windows: { rate: '10s' }, for: { critical: '1s', warning: '1s', info: '1s' } }

describe.skipIf(prometheusBinary === undefined)('the status page of a fleet, read from a real Prometheus scraping the service', () => {
  let database: TestDatabase
  let service: Service
  let url: string
  let prometheus: TestPrometheus
  let fleet: MetricsServer
  let routes: StatusRoutes
  let sequence = 0

  async function fleetData(): Promise<StatusData> {
    return (await (await fetch(fleet.url.replace(/\/metrics$/, '/status/data'))).json()) as StatusData
  }

  beforeAll(async () => {
    database = await createTestDatabase()
    service = await buildService({ databaseUrl: database.url, metrics: createMetrics({ registry: new Registry() }), quotaMax: 4, modelLatencyMs: 1, dependencyTimeoutMs: 20 })
    url = await service.listen(0)
    prometheus = await startPrometheus(
      prometheusBinary as string,
      (rulesFile) => prometheusConfig({ target: new URL(url).host, scrapeInterval: '1s', evaluationInterval: '1s', ruleFiles: [rulesFile] }),
      prometheusRules(ALERTS).yaml,
    )
    // The fleet's page runs anywhere (here: a metrics server of its own); it reads Prometheus only.
    const own = createMetrics({ registry: new Registry() })
    routes = statusRoutes({ metrics: own, intervalMs: 1000, source: { prometheus: prometheus.url }, alerts: { ...ALERTS, selector: `job="${JOB}"` }, business: STATUS_BUSINESS_PANELS })
    fleet = await own.serve({ port: 0, routes })
    // Prometheus's first scrape comes up to an interval after it starts: traffic before it would
    // show in totals but never in a rate.
    await waitFor('Prometheus to scrape the service', async () => {
      const body = (await (await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(`up{job="${JOB}"}`)}`)).json()) as { data?: { result?: unknown[] } }
      return (body.data?.result?.length ?? 0) > 0 ? true : undefined
    }, 30_000, 200)
    // Traffic over several scrapes, so every rate over the window has something to show.
    for (let round = 0; round < 3; round++) {
      if (round > 0) await new Promise((resolve) => setTimeout(resolve, 1500))
      await runScenario({ baseUrl: url, users: 2, optimizationsPerUser: 5, bulletsPerResume: 3, dependencyTimeouts: 1, userPrefix: `fleet${round}` })
    }
  })

  afterAll(async () => {
    routes?.close()
    await fleet?.close()
    await prometheus?.stop()
    await service?.close()
    await database?.drop()
  })

  it("shows the service's totals as Prometheus scraped them, and charts every group it collects", async () => {
    const scrape = parseExposition(await (await fetch(`${url}/metrics`)).text())
    const requests = sumOf(scrape, 'http_server_request_duration_seconds_count')
    // Traffic is over: once Prometheus has scraped these totals, and a second scrape gives every
    // rate its two samples inside the page's last step, the page shows them.
    const CHARTS = ['api.rps', 'api.errorRatio', 'api.latency', 'websocket.active', 'websocket.messages', 'database.average', 'database.poolUsage', 'system.cpu', 'business.0', 'business.2']
    const drawnIn = (d: StatusData, id: string): boolean => d.groups.flatMap((g) => g.charts).find((c) => c.id === id)?.lines.some((l) => l.values.some((v) => v !== null)) ?? false
    const data = await waitFor('the fleet page to show the scraped totals and draw every chart', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1000))
      const d = await fleetData()
      const statOf = (id: string): number | null | undefined => d.groups.flatMap((g) => g.stats).find((s) => s.id === id)?.value
      const scraped = statOf('api.requests') === requests && statOf('websocket.opened') === sumOf(scrape, 'ws_connections_opened_total')
      return scraped && CHARTS.every((id) => drawnIn(d, id)) ? d : undefined
    }, 30_000, 200)
    expect(data.source).toBe('prometheus')
    expect(data.error).toBeUndefined()
    const stat = (id: string): number | null | undefined => data.groups.flatMap((g) => g.stats).find((s) => s.id === id)?.value
    expect(stat('database.queries')).toBe(sumOf(scrape, 'pg_query_duration_seconds_count'))
    expect(stat('websocket.opened')).toBe(sumOf(scrape, 'ws_connections_opened_total'))
    expect(stat('quota.hits')).toBe(sumOf(scrape, 'quota_limit_hits_total'))
    for (const chart of CHARTS) expect(drawnIn(data, chart), chart).toBe(true)
    const slowest = data.groups.find((g) => g.id === 'api')?.tables.find((t) => t.id === 'api.slowest')
    expect(slowest?.rows.map((r) => r.route)).toContain('/optimizations')
  })

  it('shows ApiHighErrorRate critical as Prometheus evaluates it when 6% of requests fail', async () => {
    let critical: StatusData['alerts'][number] | undefined
    const deadline = Date.now() + 40_000
    while (critical?.state !== 'firing' && Date.now() < deadline) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const n = sequence++
          const init: RequestInit =
            i < 3
              ? {
                  method: 'POST',
                  headers: { [USER_HEADER]: `fleet-error-${n}`, 'content-type': 'application/json' },
                  body: JSON.stringify({ targetRole: 'Engineer', resume: resumeText(2, SIMULATE.timeout) }),
                }
              : { headers: { [USER_HEADER]: `fleet-ok-${n % 5}` } }
          await (await fetch(`${url}/optimizations`, init)).arrayBuffer()
        }),
      )
      critical = (await fleetData()).alerts.find((a) => a.alert === 'ApiHighErrorRate' && a.severity === 'critical')
    }
    expect(critical).toMatchObject({ state: 'firing', threshold: 0.05, for: '1s', labels: { job: JOB } })
    expect(critical?.value).toBeGreaterThan(0.05)
    expect(critical?.activeAt).toBeLessThan(Date.now())
    // What Prometheus itself reports.
    const { alerts } = await prometheus.api<{ alerts: { labels: Record<string, string>; state: string }[] }>('alerts')
    expect(alerts.some((a) => a.labels.alertname === 'ApiHighErrorRate' && a.labels.severity === 'critical' && a.state === 'firing')).toBe(true)
  })
})
