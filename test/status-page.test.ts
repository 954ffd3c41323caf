import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createMetrics } from '@intervai/metrics-core'
import { chromium, type Browser, type Page } from 'playwright-core'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SIMULATE } from '../examples/intervai-service/src/model.js'
import { USER_HEADER } from '../examples/intervai-service/src/routes.js'
import { resumeText, runScenario } from '../examples/intervai-service/src/scenario.js'
import { buildService, type Service } from '../examples/intervai-service/src/service.js'
import { createTestDatabase, type TestDatabase } from './support/database.js'
import { parseExposition, sumOf } from './support/exposition.js'
import { findTool } from './support/tools.js'
import { waitFor } from './support/wait.js'

const chromiumPath = findTool('chromium', 'chromium')

// Debian's Chromium, driven by playwright-core (no browser download).
const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']
const GROUPS = ['api', 'websocket', 'database', 'quota', 'system', 'runtime', 'business']
const INTERVAL_MS = 500
// UPDATE_SCREENSHOT=1 rewrites the README's screenshot; otherwise it goes to a temp folder.
const SCREENSHOT = process.env.UPDATE_SCREENSHOT === '1'
  ? fileURLToPath(new URL('../packages/status/docs/status.png', import.meta.url))
  : join(tmpdir(), 'intervai-status.png')

describe.skipIf(chromiumPath === undefined)('the status page in a real browser, on the example service under load', () => {
  let database: TestDatabase
  let service: Service
  let url: string
  let browser: Browser
  let page: Page
  const problems: string[] = []
  let sequence = 0

  /** The `data-value` of every stat the page shows, by id. */
  async function shownStats(): Promise<Record<string, number | null>> {
    return page.$$eval('[data-stat]', (nodes) =>
      Object.fromEntries(nodes.map((n) => [(n as HTMLElement).dataset.stat as string, (n as HTMLElement).dataset.value === '' ? null : Number((n as HTMLElement).dataset.value)])),
    )
  }

  /** Waits until the page shows figures sampled after `since` (ms since the epoch). */
  async function refreshedAfter(since: number): Promise<void> {
    await page.waitForFunction((t) => Number(document.body.dataset.updated ?? 0) > t, since, { timeout: 10_000, polling: 100 })
  }

  beforeAll(async () => {
    database = await createTestDatabase()
    const registry = new Registry()
    service = await buildService({
      databaseUrl: database.url,
      metrics: createMetrics({ registry }),
      quotaMax: 4,
      modelLatencyMs: 2,
      dependencyTimeoutMs: 20,
      // Short windows and `for`, so the alerts move within seconds.
      statusPage: { intervalMs: INTERVAL_MS, alerts: { windows: { rate: '5s' }, for: { critical: '2s', warning: '2s', info: '2s' } } },
    })
    url = await service.listen(0)
    await runScenario({ baseUrl: url, users: 3, optimizationsPerUser: 5, bulletsPerResume: 3, streamErrorEvery: 4, cancelEvery: 3, dependencyTimeouts: 2, userPrefix: 'status' })
    browser = await chromium.launch({ executablePath: chromiumPath, args: LAUNCH_ARGS })
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`)
    })
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    page.on('request', (request) => {
      if (!request.url().startsWith(`${url}/status`)) problems.push(`request outside the page: ${request.url()}`)
    })
    await page.goto(`${url}/status`)
  })

  afterAll(async () => {
    await browser?.close()
    await service?.close()
    await database?.drop()
  })

  it('loads with no console error and draws non-empty series in every chart of every group', async () => {
    // Every group shown as collected, every chart drawn with points: what is still missing, polled.
    const missing = async (): Promise<string[]> =>
      page.evaluate((groups) => {
        const out = groups.filter((id) => document.querySelector(`section[data-group="${id}"]`)?.getAttribute('data-available') !== 'true')
        for (const chart of document.querySelectorAll<HTMLElement>('[data-chart]')) {
          if (!(Number(chart.dataset.points) > 0) || chart.querySelector('canvas') === null) out.push(chart.dataset.chart as string)
        }
        return out
      }, GROUPS)
    await waitFor('every group and chart to be drawn', async () => {
      const left = await missing()
      if (left.length === 0) return true
      throw new Error(`still missing: ${left.join(', ')}`)
    }, 20_000, 200)
    const groupsShown = await page.$$eval('section[data-group]', (nodes) => nodes.map((n) => (n as HTMLElement).dataset.group))
    expect(groupsShown).toEqual(GROUPS)
    const charts = await page.$$eval('[data-chart]', (nodes) =>
      nodes.map((n) => ({ id: (n as HTMLElement).dataset.chart, lines: Number((n as HTMLElement).dataset.lines), points: Number((n as HTMLElement).dataset.points) })),
    )
    for (const group of GROUPS) expect(charts.some((c) => c.id?.startsWith(`${group}.`)), group).toBe(true)
    for (const chart of charts) {
      expect(chart.lines, chart.id).toBeGreaterThan(0)
      expect(chart.points, chart.id).toBeGreaterThan(0)
    }
    expect(problems).toEqual([])
  })

  it('shows the numbers /metrics shows, within one sampling interval', async () => {
    // The scenario is over: the figures no longer move, so one sample after this scrape must match it.
    const before = Date.now()
    const scrape = parseExposition(await (await fetch(`${url}/metrics`)).text())
    await refreshedAfter(before + INTERVAL_MS)
    const shown = await shownStats()
    const expected = {
      'api.requests': sumOf(scrape, 'http_server_request_duration_seconds_count'),
      'api.errors': scrape.samples
        .filter((s) => s.name === 'http_server_request_duration_seconds_count' && /^5\d\d$/.test(s.labels.status_code ?? ''))
        .reduce((n, s) => n + s.value, 0),
      'api.inFlight': sumOf(scrape, 'http_server_active_requests'),
      'websocket.active': sumOf(scrape, 'ws_connections_active'),
      'websocket.opened': sumOf(scrape, 'ws_connections_opened_total'),
      'websocket.messages': sumOf(scrape, 'ws_messages_total'),
      'websocket.streams': sumOf(scrape, 'ws_stream_duration_seconds_count'),
      'database.queries': sumOf(scrape, 'pg_query_duration_seconds_count'),
      'database.slow': sumOf(scrape, 'pg_slow_queries_total'),
      'database.rollbacks': sumOf(scrape, 'pg_transactions_total', { outcome: 'rollback' }),
      'database.errors': sumOf(scrape, 'pg_query_errors_total'),
      'quota.hits': sumOf(scrape, 'quota_limit_hits_total'),
    }
    for (const [id, value] of Object.entries(expected)) expect(shown[id], id).toBeCloseTo(value, 4)
    expect(shown['api.requests']).toBeGreaterThan(20)
    expect(shown['database.queries']).toBeGreaterThan(20)
  })

  it('turns ApiHighErrorRate critical to firing when 6% of requests fail', async () => {
    const criticalRow = 'tr[data-alert="ApiHighErrorRate"][data-severity="critical"]'
    // Past the 5 s window, nothing of the scenario is left in it.
    await page.waitForFunction((row) => document.querySelector(row)?.getAttribute('data-state') === 'inactive', criticalRow, { timeout: 15_000, polling: 200 })
    const deadline = Date.now() + 30_000
    let state = 'inactive'
    while (state !== 'firing' && Date.now() < deadline) {
      // In every 50 requests, 3 are answered 504 (an AI-model timeout): 6%.
      const statuses = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const n = sequence++
          const response =
            i < 3
              ? await fetch(`${url}/optimizations`, {
                  method: 'POST',
                  headers: { [USER_HEADER]: `status-error-${n}`, 'content-type': 'application/json' },
                  body: JSON.stringify({ targetRole: 'Engineer', resume: resumeText(2, SIMULATE.timeout) }),
                })
              : await fetch(`${url}/optimizations`, { headers: { [USER_HEADER]: `status-ok-${n % 5}` } })
          await response.arrayBuffer()
          return response.status
        }),
      )
      expect(statuses.filter((s) => s === 504).length).toBe(3)
      state = (await page.getAttribute(criticalRow, 'data-state')) ?? 'missing'
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(state).toBe('firing')
    const value = Number(await page.getAttribute(`${criticalRow} td[data-value]`, 'data-value'))
    expect(value).toBeGreaterThan(0.05)
    expect(value).toBeLessThan(0.1)
    // Firing rows come first.
    expect(await page.$eval('#alerts tbody tr', (row) => (row as HTMLElement).dataset.state)).toBe('firing')
    expect(problems).toEqual([])
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true })
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
  })
})
