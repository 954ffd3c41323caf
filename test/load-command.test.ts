import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { createMetrics } from '@intervai/metrics-core'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildService, type Service } from '../examples/intervai-service/src/service.js'
import { createTestDatabase, type TestDatabase } from './support/database.js'

const run = promisify(execFile)
const root = fileURLToPath(new URL('..', import.meta.url))

describe('npm run load', () => {
  let database: TestDatabase
  let service: Service
  let url: string

  beforeAll(async () => {
    database = await createTestDatabase()
    service = await buildService({
      databaseUrl: database.url,
      metrics: createMetrics({ registry: new Registry() }),
      systemMetrics: false,
      modelLatencyMs: 2,
      dependencyTimeoutMs: 50,
    })
    url = await service.listen(0)
  })

  afterAll(async () => {
    await service?.close()
    await database?.drop()
  })

  // The documented command, through npm: the root script must pass the flags on to the example's.
  it('drives the scenario, showing progress, and ends with a summary of what happened', async () => {
    const { stdout } = await run('npm', ['run', 'load', '--', '--url', url, '--users', '2', '--optimizations', '3'], { cwd: root })
    expect(stdout).toMatch(/^round 1\/1 {2}requests \d+ {2}streams \d+ {2}suggestions \d+ {2}5xx \d+/m)
    // 2 users x 3 optimizations of 4 bullets (none failing or cancelled at these counts), plus the stream-quota probe.
    expect(stdout).toContain('optimizations       7 created, 0 refused by the quota (429)')
    expect(stdout).toContain('streams             6 completed, 0 failed, 0 cancelled, 1 refused (too many at once)')
    expect(stdout).toContain('suggestions         24 streamed; 18 accepted, 6 rejected (acceptance 75%)')
    expect(stdout).toContain('server errors       2 (5xx, on purpose: AI-model timeouts)')
  })
})
