import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { MetricsServer } from '@intervai/metrics-core'
import { afterEach, describe, expect, it } from 'vitest'
import { statusRoutes, type StatusRoutes } from '../src/index.js'
import type { StatusData } from '../src/data.js'
import { freshMetrics } from './helpers.js'

describe('statusRoutes on the standalone metrics server', () => {
  let served: MetricsServer | undefined
  let routes: StatusRoutes | undefined

  afterEach(async () => {
    routes?.close()
    await served?.close()
  })

  it('serves the page and its data beside /metrics, behind the same auth', async () => {
    const metrics = freshMetrics()
    metrics.counter({ name: 'jobs_total', help: 'jobs' }).inc(undefined, 3)
    routes = statusRoutes({ metrics })
    expect(Object.keys(routes)).toEqual(['/status', '/status/data'])
    served = await metrics.serve({ port: 0, auth: { bearer: 'tok' }, routes })
    const base = served.url.replace(/\/metrics$/, '')
    const authorization = 'Bearer tok'
    expect((await fetch(`${base}/status`)).status).toBe(401)
    const page = await fetch(`${base}/status`, { headers: { authorization } })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<!doctype html>')
    const data = (await (await fetch(`${base}/status/data?ignored=1`, { headers: { authorization } })).json()) as StatusData
    expect(data.groups.find((g) => g.id === 'business')?.stats).toEqual([{ id: 'business.jobs_total', label: 'jobs_total', unit: 'count', value: 3 }])
    expect((await fetch(`${base}/metrics`, { headers: { authorization } })).status).toBe(200)
  })
})

describe('the sampling timer', () => {
  it('never keeps a process alive: a script that never closes the page ends by itself', async () => {
    const script = [
      "import { createMetrics } from '@intervai/metrics-core'",
      "import { statusRoutes } from '@intervai/metrics-status'",
      'statusRoutes({ metrics: createMetrics(), intervalMs: 50 })',
      "console.log('registered')",
    ].join('\n')
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: new URL('..', import.meta.url), timeout: 20_000 })
    expect(stdout).toBe('registered\n')
  })
})
