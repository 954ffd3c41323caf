import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const main = fileURLToPath(new URL('../../examples/intervai-service/dist/main.js', import.meta.url))

/**
 * Starts the example service as `npm start` does (on a throw-away embedded PostgreSQL, on a free
 * port of 127.0.0.1), with the inspector on a free loopback port so its memory can be read from
 * outside (see inspector.mjs), and waits until it prints its URLs.
 * @param {{ env?: NodeJS.ProcessEnv, timeoutMs?: number }} [options] env: extra environment;
 *   timeoutMs: how long to wait for the service (default 60000)
 * @returns {Promise<{ pid: number, url: string, inspectorUrl: string, output: () => string,
 *   stop: (timeoutMs?: number) => Promise<{ code: number | null, signal: string | null, stopped: boolean }> }>}
 *   stop: SIGTERM, then the exit code and whether it printed "stopped" (SIGKILL after timeoutMs, default 30000)
 */
export async function startExampleService({ env = {}, timeoutMs = 60_000 } = {}) {
  const childEnv = { ...process.env, ...env, PORT: '0', HOST: '127.0.0.1' }
  delete childEnv.DATABASE_URL
  const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', main], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  const stop = async (stopTimeoutMs = 30_000) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    const kill = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs)
    const { code, signal } = await exited
    clearTimeout(kill)
    return { code, signal, stopped: /^stopped$/m.test(output) }
  }
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const url = /API: +(http:\/\/\S+)\/optimizations/.exec(output)?.[1]
    const inspectorUrl = /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1]
    if (url && inspectorUrl) return { pid: /** @type {number} */ (child.pid), url, inspectorUrl, output: () => output, stop }
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stop()
      throw new Error(`the example service did not start:\n${output}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
