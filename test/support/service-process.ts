import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { commandOf, descendantsOf, isAlive } from './processes.js'
import { waitFor } from './wait.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

/**
 * How the example service is started: `npm start` from the repository root (builds first),
 * `npm start` in the example's folder, or `node dist/main.js` with no npm and no shell.
 */
export type StartCommand = 'npm-root' | 'npm' | 'node'

/** How the spawned process ended. */
export interface ServiceExit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** The example service running in a child process on an embedded PostgreSQL. */
export interface ServiceProcess {
  /** PID of the spawned process (npm or node): the leader of its own process group. */
  readonly pid: number
  /** Base URL the service printed, e.g. `http://127.0.0.1:41234`. */
  readonly url: string
  /** Every live descendant when the service was ready (npm, node, the database child, postgres). */
  readonly spawned: readonly number[]
  /** The folder the embedded PostgreSQL keeps its data in (the parent of the postmaster's `-D`). */
  readonly dataFolder: string
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string
  /** The exit code (or signal) of the spawned process; throws when it has not exited within `timeoutMs`. */
  waitForExit(timeoutMs?: number): Promise<ServiceExit>
  /** Kills the process group and every descendant left with SIGKILL (clean-up after a failed test). */
  killAll(): void
}

const COMMANDS: Record<StartCommand, { command: string; args: string[]; cwd: string }> = {
  'npm-root': { command: 'npm', args: ['start'], cwd: root },
  npm: { command: 'npm', args: ['start'], cwd: `${root}examples/intervai-service` },
  node: { command: process.execPath, args: ['dist/main.js'], cwd: `${root}examples/intervai-service` },
}

/**
 * Starts the example service with a throw-away embedded PostgreSQL on a free port, in a process
 * group of its own (so a signal to the group is exactly what Ctrl-C in a terminal sends), and
 * waits until it prints its URLs.
 */
export async function startServiceProcess(how: StartCommand, timeoutMs = 60_000): Promise<ServiceProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' }
  delete env.DATABASE_URL
  const { command, args, cwd } = COMMANDS[how]
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  let exit: ServiceExit | undefined
  let closed = false
  child.once('exit', (code, signal) => (exit = { code, signal }))
  child.once('close', () => (closed = true))
  const waitForExit = async (exitTimeoutMs = 20_000): Promise<ServiceExit> => {
    const result = await waitFor(`${how} to exit`, () => exit, exitTimeoutMs, 50)
    // 'close' comes once every process holding our pipes has gone, with the last output read; a
    // process left behind keeps it open, which the caller's assertions then show.
    await waitFor(`the output of ${how} to end`, () => (closed ? true : undefined), 2_000, 20).catch(() => undefined)
    return result
  }
  const pid = child.pid as number
  let spawned: number[] = []
  const killAll = (): void => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-pid, 'SIGKILL')
      } catch {
        // The group is gone already.
      }
    }
    for (const leftover of [...spawned, ...descendantsOf(pid)].filter(isAlive)) process.kill(leftover, 'SIGKILL')
  }
  try {
    const url = await waitFor(
      `${how} to print the service URL`,
      () => {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${how} exited (${child.exitCode ?? child.signalCode}):\n${output}`)
        return /API: {5}(http:\/\/\S+)\/optimizations/.exec(output)?.[1]
      },
      timeoutMs,
      100,
    )
    spawned = descendantsOf(pid)
    const postmaster = spawned.find((p) => commandOf(p) === 'postgres' && cmdline(p).includes('-D'))
    if (postmaster === undefined) throw new Error(`no postgres process among the descendants of ${how}:\n${output}`)
    const postgresArgs = cmdline(postmaster)
    const dataFolder = dirname(postgresArgs[postgresArgs.indexOf('-D') + 1] as string)
    return { pid, url, spawned, dataFolder, output: () => output, waitForExit, killAll }
  } catch (error) {
    killAll()
    throw error
  }
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
  } catch {
    return []
  }
}
