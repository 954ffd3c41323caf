import type { Pool } from 'pg'

// One advisory lock key, so two instances starting at once do not race on CREATE TABLE IF NOT EXISTS.
const SCHEMA_LOCK = 72_617_001

const SCHEMA = `
CREATE TABLE IF NOT EXISTS optimizations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id text NOT NULL,
  target_role text NOT NULL,
  resume text NOT NULL,
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX IF NOT EXISTS optimizations_by_user ON optimizations (user_id, created_at DESC);
CREATE TABLE IF NOT EXISTS suggestions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  optimization_id uuid NOT NULL REFERENCES optimizations (id) ON DELETE CASCADE,
  position integer NOT NULL,
  original text NOT NULL,
  proposal text NOT NULL,
  decision text CHECK (decision IN ('accepted', 'rejected')),
  decided_at timestamptz,
  UNIQUE (optimization_id, position)
);
`

/** Creates the service's tables when they are missing (safe to run from several instances at once). */
export async function createSchema(pool: Pool): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK])
    await client.query(SCHEMA)
    await client.query('COMMIT')
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {})
    throw error
  } finally {
    client.release()
  }
}
