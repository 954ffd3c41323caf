import pg from 'pg'
import { randomBytes } from 'node:crypto'
import { inject } from 'vitest'

/** A database created for one test file; `drop()` removes it. */
export interface TestDatabase {
  readonly url: string
  readonly name: string
  drop(): Promise<void>
}

/** Creates a fresh, empty database on the run's PostgreSQL. */
export async function createTestDatabase(adminUrl: string = inject('databaseUrl')): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl })
      await client.connect()
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      } finally {
        await client.end()
      }
    },
  }
}
