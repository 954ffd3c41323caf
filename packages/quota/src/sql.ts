import { createHash } from 'node:crypto'

/** The statements one store runs, for one table. */
export interface RateLimitStatements {
  /** Creates the table and its index if missing (one simple query, several statements). */
  readonly create: string
  /** Counts one hit and returns `hits` and `ttl` (ms): one atomic upsert. */
  readonly incr: { name: string; text: string }
  /** Returns `hits` and `ttl` (ms) of a live window without changing it. */
  readonly read: { name: string; text: string }
  /** Deletes expired windows. */
  readonly cleanup: string
}

const DEFAULT_TABLE = 'intervai_rate_limits'

/**
 * The SQL that creates the counter table (for your migrations, with `createTable: false`).
 * Keys are stored as SHA-256 digests, never in clear.
 * @param table the table name, optionally schema-qualified @default 'intervai_rate_limits'
 */
export function rateLimitTableSql(table: string = DEFAULT_TABLE): string {
  const index = `${table.replace(/^.*\./, '')}_expires_at`
  // fillfactor leaves room on each page so the counter updates stay HOT (no index churn).
  return `CREATE TABLE IF NOT EXISTS ${table} (
  namespace text NOT NULL,
  key_hash bytea NOT NULL,
  hits bigint NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (namespace, key_hash)
) WITH (fillfactor = 70);
CREATE INDEX IF NOT EXISTS ${index} ON ${table} (expires_at);`
}

/** The statements for one table (the table name was checked to be a plain identifier). */
export function statementsFor(table: string): RateLimitStatements {
  const window = `make_interval(secs => $3::float8 / 1000)`
  const ttl = `ceil(extract(epoch FROM expires_at - now()) * 1000)::float8`
  // One statement per check: ON CONFLICT DO UPDATE locks the row and sees the latest committed
  // count, so concurrent checks from any number of instances serialise on the row.
  // In SET, r.* is the row before this update.
  const incr = `INSERT INTO ${table} AS r (namespace, key_hash, hits, expires_at)
VALUES ($1, $2, 1, now() + ${window})
ON CONFLICT (namespace, key_hash) DO UPDATE SET
  hits = CASE WHEN r.expires_at <= now() THEN 1 ELSE r.hits + 1 END,
  expires_at = CASE
    WHEN r.expires_at <= now() THEN now() + ${window}
    WHEN r.hits + 1 > $4 AND $5::boolean THEN now() + ${window}
    WHEN r.hits + 1 > $4 AND $6::boolean THEN now() + make_interval(secs =>
      least($3::float8 * power(2::float8, least(r.hits + 1 - $4 - 1, 60)::float8), 9007199254740991) / 1000)
    ELSE r.expires_at
  END
RETURNING hits::float8 AS hits, ${ttl} AS ttl`
  const read = `SELECT hits::float8 AS hits, ${ttl} AS ttl FROM ${table}
WHERE namespace = $1 AND key_hash = $2 AND expires_at > now()`
  return {
    create: rateLimitTableSql(table),
    incr: { name: statementName('incr', incr), text: incr },
    read: { name: statementName('read', read), text: read },
    cleanup: `DELETE FROM ${table} WHERE expires_at <= now()`,
  }
}

function statementName(kind: string, text: string): string {
  return `intervai_rate_limit_${kind}_${createHash('sha256').update(text).digest('hex').slice(0, 12)}`
}
