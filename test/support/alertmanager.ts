import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './postgres.js'
import { startServerProcess } from './server-process.js'

/** An alert as Alertmanager's API v2 lists it. */
export interface AlertmanagerAlert {
  labels: Record<string, string>
  annotations: Record<string, string>
  fingerprint: string
  status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[]; silencedBy: string[] }
}

/** An Alertmanager the test started on 127.0.0.1. */
export interface TestAlertmanager {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  /** `127.0.0.1:<port>`, for Prometheus' `alerting` section. */
  readonly address: string
  /** The alerts it holds (`GET /api/v2/alerts`). */
  alerts(): Promise<AlertmanagerAlert[]>
  /** Posts alerts as Prometheus does (`POST /api/v2/alerts`). */
  post(alerts: { labels: Record<string, string>; annotations?: Record<string, string>; startsAt?: string; endsAt?: string }[]): Promise<void>
  /** Everything it logged. */
  output(): string
  /** Stops it (by PID) and deletes its folder. */
  stop(): Promise<void>
}

/**
 * Starts `prometheus-alertmanager` with this configuration, its storage in a temp folder, no
 * cluster (`--cluster.listen-address=`); resolves once it is ready.
 */
export async function startAlertmanager(binary: string, config: string): Promise<TestAlertmanager> {
  const dir = await mkdtemp(join(tmpdir(), 'intervai-alertmanager-'))
  await writeFile(join(dir, 'alertmanager.yml'), config)
  const port = await freePort()
  const address = `127.0.0.1:${port}`
  const url = `http://${address}`
  const server = await startServerProcess(
    'alertmanager',
    binary,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=${address}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    url,
    dir,
  )
  return {
    url,
    address,
    async alerts() {
      const response = await fetch(`${url}/api/v2/alerts`)
      if (!response.ok) throw new Error(`alertmanager /api/v2/alerts: ${response.status}`)
      return (await response.json()) as AlertmanagerAlert[]
    },
    async post(alerts) {
      const response = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) })
      if (!response.ok) throw new Error(`alertmanager POST /api/v2/alerts: ${response.status} ${await response.text()}`)
    },
    output: server.output,
    stop: server.stop,
  }
}
