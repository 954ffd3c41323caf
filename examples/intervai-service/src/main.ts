import { buildService, type Service } from './service.js'
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded-database.js'

// `npm start`: the service on DATABASE_URL, or on a throw-away embedded PostgreSQL when it is unset.
// This process owns its shutdown order: no library's signal handler runs in it (the embedded
// PostgreSQL and its exit hooks live in a child process, see embedded-database.ts).
const port = Number(process.env.PORT ?? 3000)
const host = process.env.HOST ?? '127.0.0.1'

let database: Promise<EmbeddedDatabase> | undefined
let service: Promise<Service> | undefined
let stopping: Promise<void> | undefined

/** Closes the service (requests in flight finish, WebSockets get 1001, pools close), then the database. */
async function shutdown(): Promise<void> {
  const running = await service?.catch(() => undefined)
  await running?.close()
  const db = await database?.catch(() => undefined)
  await db?.stop()
}

function stop(reason: string, code: number): Promise<void> {
  stopping ??= (async () => {
    console.log(`\n${reason}: stopping...`)
    try {
      await shutdown()
      console.log('stopped')
    } catch (error) {
      console.error(error)
      code = 1
    }
    process.exit(code)
  })()
  return stopping
}

// Ctrl-C in a terminal signals npm and the service alike, and npm passes its signal on too: the
// second one finds the stop under way.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop(signal, 0))

async function start(): Promise<void> {
  let databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) {
    console.log('DATABASE_URL is not set: starting an embedded PostgreSQL...')
    database = startEmbeddedDatabase()
    const db = await database
    databaseUrl = db.url
    console.log(`embedded PostgreSQL ready (pid ${db.pid ?? 'unknown'})`)
  }
  if (stopping) return
  service = buildService({ databaseUrl, logger: process.env.LOG_LEVEL ? { level: process.env.LOG_LEVEL } : false })
  const url = await (await service).listen(port, host)
  if (stopping) return
  console.log(`IntervAI service listening\n  API:     ${url}/optimizations\n  metrics: ${url}/metrics\n  status:  ${url}/status\nPress Ctrl-C to stop.`)
}

start().catch((error: unknown) => {
  console.error(error)
  void stop('start-up failed', 1)
})
