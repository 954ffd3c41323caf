import { spawn } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { waitFor } from './wait.js'

/** A server binary (Prometheus, Alertmanager) a test started, answering on `url`. */
export interface ServerProcess {
  readonly pid: number
  /** Everything it logged so far. */
  output(): string
  /** Stops it (SIGTERM, by PID), waits for its exit, and deletes `dir`. */
  stop(): Promise<void>
}

/**
 * Starts `binary` with `args` and resolves once `<url>/-/ready` answers OK (both Prometheus and
 * Alertmanager have it); on failure it is stopped and the error carries what it logged.
 * @param dir the folder of its configuration and data, deleted on stop
 */
export async function startServerProcess(name: string, binary: string, args: string[], url: string, dir: string): Promise<ServerProcess> {
  let output = ''
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(child.pid as number, 'SIGTERM')
      await exited
    }
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await waitFor(`${name} to be ready`, async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${output}`)
      return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok ? true : undefined
    }, 20_000, 100)
  } catch (error) {
    await stop()
    throw error
  }
  return { pid: child.pid as number, output: () => output, stop }
}
