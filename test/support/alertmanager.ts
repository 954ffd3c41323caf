import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './postgres.js'
import { waitFor } from './wait.js'

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
  let output = ''
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=${address}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://${address}`
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid as number, 'SIGTERM')
      await exited
    }
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await waitFor('alertmanager to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`alertmanager exited (${child.exitCode}): ${output}`)
      return (await fetch(`${url}/-/ready`)).ok ? true : undefined
    }, 20_000, 100)
  } catch (error) {
    await stop()
    throw error
  }
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
    output: () => output,
    stop,
  }
}
