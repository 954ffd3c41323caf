import { spawn } from 'node:child_process'
import { execFileSync } from 'node:child_process'

/**
 * Whether `taskset` (util-linux) is available to pin processes to a CPU.
 * @type {boolean}
 */
export const HAS_TASKSET = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

/**
 * Pins an already running process (all its threads) to one CPU with `taskset`; does nothing
 * when taskset is missing.
 * @param {number} pid process id
 * @param {number} cpu CPU index (0-based)
 * @returns {boolean} whether the process was pinned
 */
export function pinProcess(pid, cpu) {
  if (!HAS_TASKSET) return false
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' })
  return true
}

/**
 * Spawns `node <script> ...args` pinned to one CPU (through `taskset -c`), with an IPC channel
 * so the child can `process.send()` a ready message, and waits for its first message.
 * The child's `pid` is the node process itself (taskset execs it), so it can be read with
 * `readCpu(child.pid)`.
 * @param {{ script: string, args?: string[], cpu: number, env?: NodeJS.ProcessEnv,
 *   timeoutMs?: number }} options script: file to run; cpu: CPU index; timeoutMs: how long to
 *   wait for the first message (default 30000 ms)
 * @returns {Promise<{ child: import('node:child_process').ChildProcess, message: any,
 *   stop: () => Promise<void> }>} the child, its first message, and a stop() that ends it
 *   (SIGTERM, then SIGKILL after 5 s)
 */
export function spawnPinned({ script, args = [], cpu, env = process.env, timeoutMs = 30000 }) {
  const cmd = HAS_TASKSET ? 'taskset' : process.execPath
  const argv = HAS_TASKSET
    ? ['-c', String(cpu), process.execPath, script, ...args]
    : [script, ...args]
  const child = spawn(cmd, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env })
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000)
      child.once('exit', () => {
        clearTimeout(kill)
        resolve()
      })
      child.kill('SIGTERM')
    })
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop()
      reject(new Error(`${script} sent no ready message within ${timeoutMs} ms`))
    }, timeoutMs)
    child.once('message', (message) => {
      clearTimeout(timer)
      resolve({ child, message, stop })
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`${script} exited early (code ${code}, signal ${signal})`))
    })
  })
}
