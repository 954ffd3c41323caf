import { createHash } from 'node:crypto'
import { failureSinkOf, type StoreFailureSink } from './hooks.js'
import { PKG, resolveStoreOptions, type PostgresRateLimitStoreOptions } from './options.js'
import { statementsFor, type RateLimitStatements } from './sql.js'

/** What the store needs of a `pg.Pool` (a `pg.Client` works too): named queries with values. */
export interface Queryable {
  query(config: { name?: string; text: string; values?: unknown[] }): Promise<{ rows: unknown[] }>
}

/** The result a rate-limit store hands back: hits in the window and its time left (ms). */
export interface RateLimitState {
  current: number
  ttl: number
}

/** The callback `@fastify/rate-limit` passes to `incr` and `read`. */
export type RateLimitCallback = (error: Error | null, result?: RateLimitState) => void

/** A store class as `@fastify/rate-limit` takes it in its `store` option. */
export interface PostgresRateLimitStoreClass {
  new (params: object): PostgresRateLimitStore
}

/** Thrown to rate-limit (and so to the request, unless `skipOnError`) when PostgreSQL fails a check; the pg error is its `cause`. */
export class RateLimitStoreError extends Error {
  /** Always `'INTERVAI_RATE_LIMIT_STORE'`. */
  readonly code = 'INTERVAI_RATE_LIMIT_STORE'
  constructor(cause: unknown) {
    // The message reaches HTTP clients through Fastify's error handler: no host, port or SQL in it.
    super('the rate-limit store failed', { cause })
    this.name = 'RateLimitStoreError'
  }
}

/** What every store made by one `PostgresRateLimitStore.for()` call shares. */
export interface StoreBackend {
  readonly pool: Queryable
  readonly sql: RateLimitStatements
  readonly createTable: boolean
  readonly cleanupIntervalMs: number
  ready: Promise<void> | undefined
  nextCleanup: number
}

interface Params {
  skipOnError?: unknown
  continueExceeding?: unknown
  exponentialBackoff?: unknown
  routeInfo?: { method?: unknown; url?: unknown }
}

// CREATE TABLE IF NOT EXISTS racing between instances can still fail on the catalog's unique
// index (23505) or with duplicate_table (42P07): the table exists either way.
const ALREADY_EXISTS = new Set(['23505', '42P07'])

/**
 * A `@fastify/rate-limit` store keeping its counters in PostgreSQL, so every instance of an app
 * shares one limit: `store: PostgresRateLimitStore.for(pool)`. Each check is one atomic
 * upsert; windows expire on the database clock; expired rows are deleted now and then.
 */
export class PostgresRateLimitStore {
  /**
   * The store class to give `@fastify/rate-limit` (`store: PostgresRateLimitStore.for(pool)`).
   * @param pool a `pg.Pool` (or anything with pg's `query(config)`)
   * @param options table, namespace, table creation and cleanup; see `PostgresRateLimitStoreOptions`
   */
  static for(pool: Queryable, options: PostgresRateLimitStoreOptions = {}): PostgresRateLimitStoreClass {
    if (typeof pool !== 'object' || pool === null || typeof pool.query !== 'function') {
      throw new TypeError(`${PKG}: PostgresRateLimitStore.for(pool) needs a pg.Pool (got ${pool === null ? 'null' : typeof pool})`)
    }
    const resolved = resolveStoreOptions(options)
    const backend: StoreBackend = {
      pool,
      sql: statementsFor(resolved.table),
      createTable: resolved.createTable,
      cleanupIntervalMs: resolved.cleanupIntervalMs,
      ready: resolved.createTable ? undefined : Promise.resolve(),
      nextCleanup: Date.now() + resolved.cleanupIntervalMs,
    }
    const namespace = resolved.namespace
    return class extends PostgresRateLimitStore {
      constructor(params: object) {
        super(backend, params, namespace)
      }
    }
  }

  /** The counter namespace of this store: the app's, plus the route for a per-route limit. */
  readonly namespace: string
  private readonly backend: StoreBackend
  private readonly continueExceeding: boolean
  private readonly exponentialBackoff: boolean
  private readonly skipOnError: boolean
  private readonly sink: StoreFailureSink | undefined

  /** Use `PostgresRateLimitStore.for(pool)`; rate-limit constructs the store with its options. */
  constructor(backend: StoreBackend, params: object, namespace: string) {
    if (typeof backend !== 'object' || backend === null || typeof backend.pool?.query !== 'function') {
      throw new TypeError(`${PKG}: pass PostgresRateLimitStore.for(pool) as the store, not the class itself`)
    }
    const p = params as Params
    this.backend = backend
    this.namespace = namespace
    this.continueExceeding = p.continueExceeding === true
    this.exponentialBackoff = p.exponentialBackoff === true
    this.skipOnError = p.skipOnError === true
    this.sink = failureSinkOf(params)
  }

  /** Counts one hit for `key` in its window and reports the count and the time left. */
  incr(key: string, callback: RateLimitCallback, timeWindow: number, max: number): void {
    this.maybeCleanup()
    const { incr } = this.backend.sql
    const values = [this.namespace, digest(key), timeWindow, max, this.continueExceeding, this.exponentialBackoff]
    this.run(incr.name, incr.text, values).then(
      (rows) => callback(null, stateOf(rows[0])),
      (error: unknown) => this.fail(key, error, callback),
    )
  }

  /** Reports the count and time left for `key` without counting (rate-limit's `{ increment: false }`). */
  read(key: string, callback: RateLimitCallback, _timeWindow?: number, _max?: number): void {
    const { read } = this.backend.sql
    this.run(read.name, read.text, [this.namespace, digest(key)]).then(
      (rows) => callback(null, rows.length === 0 ? { current: 0, ttl: 0 } : stateOf(rows[0])),
      (error: unknown) => this.fail(key, error, callback),
    )
  }

  /** The store of a route with its own `config.rateLimit`: same table, the route's own counters. */
  child(routeOptions: object): PostgresRateLimitStore {
    const route = (routeOptions as Params).routeInfo
    const method = Array.isArray(route?.method) ? route.method.join(',') : route?.method
    // createRateLimit()/rateLimit() limiters have no route: they share one namespace.
    const suffix = typeof route?.url === 'string' ? `${String(method)} ${route.url}` : 'custom'
    return new PostgresRateLimitStore(this.backend, routeOptions, `${this.namespace}:${suffix}`)
  }

  private async run(name: string, text: string, values: unknown[]): Promise<unknown[]> {
    const backend = this.backend
    if (backend.ready === undefined) {
      const creating = backend.pool.query({ text: backend.sql.create }).then(
        () => undefined,
        (error: unknown) => {
          if (ALREADY_EXISTS.has((error as { code?: string } | null)?.code ?? '')) return
          if (backend.ready === creating) backend.ready = undefined
          throw error
        },
      )
      backend.ready = creating
    }
    await backend.ready
    const result = await backend.pool.query({ name, text, values })
    return result.rows
  }

  private fail(key: string, error: unknown, callback: RateLimitCallback): void {
    this.sink?.storeFailed(key, this.skipOnError)
    callback(new RateLimitStoreError(error))
  }

  private maybeCleanup(): void {
    const backend = this.backend
    if (backend.cleanupIntervalMs === 0) return
    const now = Date.now()
    if (now < backend.nextCleanup) return
    backend.nextCleanup = now + backend.cleanupIntervalMs
    // Best effort: a failed cleanup is retried after the next interval; checks report their own failures.
    void (backend.ready ?? Promise.resolve())
      .then(() => backend.pool.query({ text: backend.sql.cleanup }))
      .catch(() => {})
  }
}

function digest(key: string): Buffer {
  return createHash('sha256').update(String(key)).digest()
}

function stateOf(row: unknown): RateLimitState {
  const r = row as { hits: number; ttl: number }
  return { current: r.hits, ttl: Math.max(0, r.ttl) }
}
