import { execFile } from 'node:child_process'

/** What a finished command printed. */
export interface Output {
  stdout: string
  stderr: string
}

/** Options of `run`. */
export interface RunOptions {
  cwd: string
  /** Added to (or, as `undefined`, removed from) the environment of this process. */
  env?: Record<string, string | undefined>
  /** @default 180000 */
  timeoutMs?: number
}

/** A command that exited non-zero (or timed out), with what it printed. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | string | null,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(`${command} failed (exit ${String(code)}):\n${`${stdout}\n${stderr}`.trim().slice(-6000)}`)
  }
}

/** Runs a command and resolves with its output; rejects with a `CommandError` when it exits non-zero or times out. */
export function run(command: string, args: string[], options: RunOptions): Promise<Output> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  const shown = `${command} ${args.join(' ')} (in ${options.cwd})`
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd, env, timeout: options.timeoutMs ?? 180_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) reject(new CommandError(shown, error.code ?? error.signal ?? null, stdout, stderr))
        else resolve({ stdout, stderr })
      },
    )
  })
}

/** Runs a command expected to fail: resolves with its output and exit code either way. */
export async function runAnyway(command: string, args: string[], options: RunOptions): Promise<Output & { failed: boolean }> {
  try {
    return { ...(await run(command, args, options)), failed: false }
  } catch (error) {
    if (!(error instanceof CommandError)) throw error
    return { stdout: error.stdout, stderr: error.stderr, failed: true }
  }
}

/** At most `n` of the functions given to the returned one run at a time. */
export function limit(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0
  const waiting: (() => void)[] = []
  return async (task) => {
    if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve))
    running++
    try {
      return await task()
    } finally {
      running--
      waiting.shift()?.()
    }
  }
}

/** A function computed on its first call; later calls share the same promise. */
export function once<T>(compute: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined
  return () => (result ??= compute())
}
