import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './postgres.js'
import { startServerProcess } from './server-process.js'

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
  const url = `http://127.0.0.1:${port}`
  const server = await startServerProcess('prometheus', binary, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], url, dir)
  return {
    url,
    pid: server.pid,
    async api<T>(path: string) {
      const response = await fetch(`${url}/api/v1/${path}`)
      const body = (await response.json()) as { status: string; data: T; error?: string }
      if (body.status !== 'success') throw new Error(`prometheus /api/v1/${path}: ${body.error ?? response.status}`)
      return body.data
    },
    stop: server.stop,
  }
}
