import { prometheusRules } from '@intervai/metrics-alerts'
import { createMetrics } from '@intervai/metrics-core'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SIMULATE } from '../examples/intervai-service/src/model.js'
import { prometheusConfig, JOB } from '../examples/intervai-service/src/prometheus-files.js'
import { USER_HEADER } from '../examples/intervai-service/src/routes.js'
import { resumeText } from '../examples/intervai-service/src/scenario.js'
import { buildService, type Service } from '../examples/intervai-service/src/service.js'
import { createTestDatabase, type TestDatabase } from './support/database.js'
import { startPrometheus, type TestPrometheus } from './support/prometheus.js'
import { findTool } from './support/tools.js'
import { waitFor } from './support/wait.js'

const prometheusBinary = findTool('prometheus')

interface Alert {
  labels: Record<string, string>
  state: 'pending' | 'firing'
}

// A 6% error mix: in every 50 requests, 3 are answered 504 (an AI-model timeout).
const BATCH = 50
const ERRORS_PER_BATCH = 3

describe.skipIf(prometheusBinary === undefined)('a real Prometheus scraping the service with the generated rules', () => {
  let database: TestDatabase
  let service: Service
  let url: string
  let prometheus: TestPrometheus
  let sequence = 0

  /** Sends `batches` batches of traffic, `errors` of every 50 requests answered 5xx; returns the status counts. */
  async function traffic(batches: number, errors: number): Promise<Record<number, number>> {
    const counts: Record<number, number> = {}
    for (let b = 0; b < batches; b++) {
      const requests = Array.from({ length: BATCH }, (_, i) => {
        const n = sequence++
        const init: RequestInit =
          i < errors
            ? {
                method: 'POST',
                // A user of its own per request, so the optimization quota never answers 429.
                headers: { [USER_HEADER]: `alerting-${n}`, 'content-type': 'application/json' },
                body: JSON.stringify({ targetRole: 'Engineer', resume: resumeText(2, SIMULATE.timeout) }),
              }
            : { headers: { [USER_HEADER]: `alerting-${n % 5}` } }
        return fetch(`${url}/optimizations`, init).then(async (response) => {
          await response.arrayBuffer()
          counts[response.status] = (counts[response.status] ?? 0) + 1
        })
      })
      await Promise.all(requests)
    }
    return counts
  }

  async function apiErrorAlerts(): Promise<Alert[]> {
    const { alerts } = await prometheus.api<{ alerts: Alert[] }>('alerts')
    return alerts.filter((a) => a.labels.alertname === 'ApiHighErrorRate')
  }

  beforeAll(async () => {
    database = await createTestDatabase()
    service = await buildService({
      databaseUrl: database.url,
      metrics: createMetrics({ registry: new Registry() }),
      systemMetrics: false,
      dependencyTimeoutMs: 20,
      modelLatencyMs: 1,
    })
    url = await service.listen(0)
    // Short windows and `for` durations, so the alerts move within seconds.
    const rules = prometheusRules({ windows: { rate: '10s' }, for: { critical: '1s', warning: '1s', info: '1s' } })
    const target = new URL(url).host
    prometheus = await startPrometheus(
      prometheusBinary as string,
      (rulesFile) => prometheusConfig({ target, scrapeInterval: '1s', evaluationInterval: '1s', ruleFiles: [rulesFile] }),
      rules.yaml,
    )
    await waitFor('the first scrape of the service', async () => {
      const { activeTargets } = await prometheus.api<{ activeTargets: { health: string; labels: { job: string } }[] }>('targets')
      return activeTargets.some((t) => t.labels.job === JOB && t.health === 'up') ? true : undefined
    }, 20_000, 250)
  })

  afterAll(async () => {
    await prometheus?.stop()
    await service?.close()
    await database?.drop()
  })

  it('does not raise the API error alert under clean traffic', async () => {
    const seen = new Set<string>()
    const deadline = Date.now() + 6_000
    while (Date.now() < deadline) {
      expect(await traffic(2, 0)).toEqual({ 200: 2 * BATCH })
      for (const alert of await apiErrorAlerts()) seen.add(`${alert.labels.severity}:${alert.state}`)
    }
    // The rule had data to judge: Prometheus saw the traffic and an error ratio of exactly 0.
    const result = await waitFor('the error ratio to be recorded', async () => {
      const data = await prometheus.api<{ result: { value: [number, string] }[] }>(
        `query?query=${encodeURIComponent(`job:http_server_request_duration_seconds_count:error_ratio_rate10s{job="${JOB}"}`)}`,
      )
      return data.result[0]
    })
    expect(result.value[1]).toBe('0')
    for (const alert of await apiErrorAlerts()) seen.add(`${alert.labels.severity}:${alert.state}`)
    expect([...seen]).toEqual([])
  })

  it('raises the critical API error alert when 6% of requests fail', async () => {
    let critical: Alert | undefined
    const deadline = Date.now() + 30_000
    while (critical === undefined && Date.now() < deadline) {
      expect(await traffic(1, ERRORS_PER_BATCH)).toEqual({ 200: BATCH - ERRORS_PER_BATCH, 504: ERRORS_PER_BATCH })
      critical = (await apiErrorAlerts()).find((a) => a.labels.severity === 'critical')
    }
    expect(critical?.labels).toMatchObject({ alertname: 'ApiHighErrorRate', severity: 'critical', job: JOB })
    expect(['pending', 'firing']).toContain(critical?.state)
  })
})
