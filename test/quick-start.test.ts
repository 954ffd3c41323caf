import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from './support/database.js'
import { parseExposition, valueOf } from './support/exposition.js'
import { waitFor } from './support/wait.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const source = readFileSync(`${root}/examples/intervai-service/src/quick-start.ts`, 'utf8')
const readme = readFileSync(`${root}/README.md`, 'utf8')

describe('the quick start', () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase()
  })

  afterAll(async () => {
    await database?.drop()
  })

  it('serves the HTTP and PostgreSQL metrics of the requests it answered', async () => {
    const child = spawn(process.execPath, ['examples/intervai-service/dist/quick-start.js'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: database.url, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    try {
      const url = await waitFor('the quick start to listen', () => {
        if (child.exitCode !== null) throw new Error(`the quick start exited (${child.exitCode}):\n${output}`)
        return /try (http:\/\/\S+)\/time/.exec(output)?.[1]
      })
      for (let i = 0; i < 3; i++) expect((await fetch(`${url}/time`)).status).toBe(200)
      const scrape = parseExposition(await (await fetch(`${url}/metrics`)).text())
      expect(valueOf(scrape, 'http_server_request_duration_seconds_count', { method: 'GET', route: '/time', status_code: '200' })).toBe(3)
      expect(valueOf(scrape, 'pg_query_duration_seconds_count', { pool: 'main', operation: 'SELECT', outcome: 'ok' })).toBe(3)
    } finally {
      if (child.exitCode === null) process.kill(child.pid as number, 'SIGTERM')
    }
  })

  it('is, word for word, the quick start of the top-level README', () => {
    const block = /## Quick start\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1]
    expect(block).toBe(source)
  })
})
