import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './postgres.js'
import { waitFor } from './wait.js'

/** A Prometheus server the test started on 127.0.0.1. */
export interface TestPrometheus {
  readonly url: string
  readonly pid: number
  /** GET `/api/v1/<path>` and return its `data`. */
  api<T>(path: string): Promise<T>
  /** Stops it (by PID) and deletes its folder. */
  stop(): Promise<void>
}

/** Starts `prometheus` with this config and these rules, its storage in a temp folder; resolves once it is ready. */
export async function startPrometheus(binary: string, config: (rulesFile: string) => string, rules: string): Promise<TestPrometheus> {
  const dir = await mkdtemp(join(tmpdir(), 'intervai-prometheus-'))
  await writeFile(join(dir, 'rules.yml'), rules)
  await writeFile(join(dir, 'prometheus.yml'), config(join(dir, 'rules.yml')))
  const port = await freePort()
  let output = ''
  const child: ChildProcess = spawn(
    binary,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const url = `http://127.0.0.1:${port}`
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid as number, 'SIGTERM')
      await exited
    }
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await waitFor('prometheus to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${output}`)
      return (await fetch(`${url}/-/ready`)).ok ? true : undefined
    }, 20_000, 200)
  } catch (error) {
    await stop()
    throw error
  }
  return {
    url,
    pid: child.pid as number,
    async api<T>(path: string) {
      const response = await fetch(`${url}/api/v1/${path}`)
      const body = (await response.json()) as { status: string; data: T; error?: string }
      if (body.status !== 'success') throw new Error(`prometheus /api/v1/${path}: ${body.error ?? response.status}`)
      return body.data
    },
    stop,
  }
}
