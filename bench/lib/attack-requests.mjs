// The hostile HTTP traffic of `npm run attack`, as raw request bytes, drawn from a seeded random
// generator so that a run can be repeated exactly. Every request knows the app it is for.

/** How many of each at `--scale 1` (the counts of issue 15, and ours where it gives none). */
export const HTTP_COUNTS = {
  urls: 100_000,
  methods: 5_000,
  headers: 5_000,
  params: 5_000,
  variants: 5_000,
  errors: 2_000,
  'hang-ups': 1_000,
  'rate-limited': 2_000,
  'quota-names': 6_000,
  sql: 10_000,
}

/**
 * A request of the plan.
 * @typedef {import('./raw-http.mjs').RawRequest & { app: 'fastify' | 'caseless' | 'express',
 *   quotaOutcome?: number, sql?: boolean, bodyRefused?: boolean }} PlannedRequest
 *   quotaOutcome: the outcome index a quota-names request asks the app to record; sql: a POST to the
 *   SQL route; bodyRefused: headers Node accepts with a body its parser refuses (it answers 400 itself)
 */

/** A small seeded generator (mulberry32): the same seed, the same traffic. */
export function random(seed) {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n) => Math.floor(next() * n)
  return { next, int, pick: (list) => list[int(list.length)], hex: (n) => Array.from({ length: n }, () => int(16).toString(16)).join('') }
}

/**
 * The bytes of one request. `headers` are `[name, value]` pairs or raw lines; the body is sent as
 * given (a Buffer, or a string read as UTF-8) with its Content-Length unless one is among the headers.
 * @param {{ method?: string, target: string, headers?: Array<[string, string] | string>, body?: string | Buffer,
 *   host?: boolean, version?: string }} request
 */
export function requestBytes({ method = 'GET', target, headers = [], body, host = true, version = 'HTTP/1.1' }) {
  const lines = [`${method} ${target} ${version}`]
  if (host) lines.push('Host: 127.0.0.1')
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8')
  let framed = false
  for (const header of headers) {
    if (typeof header === 'string') lines.push(header)
    else {
      lines.push(`${header[0]}: ${header[1]}`)
      if (/^(content-length|transfer-encoding)$/i.test(header[0])) framed = true
    }
  }
  if (payload !== undefined && !framed) lines.push(`Content-Length: ${payload.length}`)
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1')
  return payload === undefined ? head : Buffer.concat([head, payload])
}

const SAFE = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&\'()*+,;=:@'
const BAD_ESCAPES = ['%', '%z', '%zz', '%G0', '%%', '%e2%82', '%c0%af', '%ff%fe', '%ed%a0%80', '%0', '%u0041']

function segment(r) {
  let text = ''
  for (let n = 1 + r.int(12); n > 0; n--) text += r.next() < 0.2 ? `%${r.hex(2)}` : SAFE[r.int(SAFE.length)]
  return text
}

function randomPath(r) {
  const parts = Array.from({ length: 1 + r.int(5) }, () => segment(r))
  return `/${parts.join('/')}${r.next() < 0.2 ? '/' : ''}${r.next() < 0.2 ? `?${segment(r)}=${segment(r)}` : ''}`
}

function withBadEscape(r, path) {
  const at = 1 + r.int(path.length)
  return path.slice(0, at) + r.pick(BAD_ESCAPES) + path.slice(at)
}

// Paths near the routes the apps declare, with random parameter values.
const NEAR = {
  fastify: [(v) => `/users/${v}`, (v, w) => `/users/${v}/posts/${w}`, (v, w) => `/files/${v}/${w}`, (v) => `/orgs/${v}`, (v, w) => `/orgs/${v}/projects/${w}`, (v, w) => `/orgs/${v}/teams/${w}/members/${v}`, () => '/api/v1/status', (v) => `/api/v2/${v}`],
  caseless: [(v, w) => `/regions/${v}/accounts/${w}`, (v, w) => `/Regions/${v}/Accounts/${w}/Settings`, (v) => `/regions/${v}`],
  express: [(v) => `/users/${v}`, (v, w) => `/tenants/${v}/items/${w}`, (v, w) => `/tenants/${v}/projects/${w}/files/${v}`, (v) => `/tenants/${v}`, (v, w) => `/tenants/${v}/nothing/${w}`],
}

const ODD_TARGETS = [
  () => '*',
  (r) => `http://127.0.0.1/users/${r.int(1000)}`,
  (r) => `//users//${r.int(1000)}`,
  () => '/users/../files/./x',
  (r) => `/users/${r.int(1000)}?x=%zz&y`,
  () => '/%00',
  () => '/users/%2e%2e%2f',
  () => '/caf\xe9/\xff\xfe',
  (r) => `/${'a'.repeat(2000 + r.int(4000))}`,
  (r) => `/users/${'x'.repeat(101 + r.int(200))}`,
  (r) => `/orgs/${'o'.repeat(150)}/projects/${r.int(10)}`,
  (r) => `/${'b'.repeat(20_000 + r.int(1000))}`,
]

/** 100,000 random and bad-%-escape URLs at scale 1: 40% Fastify, 10% the case-insensitive one, 50% Express. */
function* urls(r, n) {
  for (let i = 0; i < n; i++) {
    const roll = i % 10
    const app = roll < 4 ? 'fastify' : roll < 5 ? 'caseless' : 'express'
    const kind = r.next()
    let target
    if (kind < 0.35) target = randomPath(r)
    else if (kind < 0.7) target = withBadEscape(r, r.next() < 0.5 ? randomPath(r) : r.pick(NEAR[app])(segment(r), segment(r)))
    else if (kind < 0.92) target = r.pick(NEAR[app])(segment(r), segment(r))
    else target = r.pick(ODD_TARGETS)(r)
    yield { app, bytes: requestBytes({ target }) }
  }
}

// A request the SQL route's handler may run: each one it answers (200 or 422) ran one pool.query.
const isSql = (method, target) => method === 'POST' && target.endsWith('/sql')

const KNOWN_ODD_METHODS = ['PROPFIND', 'PROPPATCH', 'PURGE', 'M-SEARCH', 'SOURCE', 'QUERY', 'LINK', 'UNLINK', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'REPORT', 'SEARCH', 'NOTIFY', 'SUBSCRIBE', 'MKCALENDAR', 'ACL', 'BIND']
const PLAIN_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE']
const BAD_METHODS = [
  () => 'get',
  () => 'Get',
  () => 'gEt',
  () => 'post',
  () => 'delete',
  (r) => 'X'.repeat(200 + r.int(2000)),
  (r) => `FOO${r.hex(6).toUpperCase()}`,
  () => 'GE\x01T',
  () => 'G\xe9T',
  () => 'GET\t',
  () => '',
  () => 'HTTP/1.1',
  () => '\x00',
]

/**
 * Odd methods: the ones Node parses (counted by name or as _OTHER) and ones it refuses with 400,
 * each method on each path in turn (so a small run has them all), then random ones.
 */
function* methods(r, n) {
  const paths = { fastify: ['/', '/users/7', '/orgs/o/projects/p', '/api/v1/items/3', '/users'], express: ['/', '/users/7', '/tenants/t/items/2', '/tenants/t/sql', '/slow/1'] }
  const all = [...PLAIN_METHODS, 'CONNECT', ...KNOWN_ODD_METHODS, ...BAD_METHODS.map((make) => make(r))]
  for (let i = 0; i < n; i++) {
    const app = i % 2 === 0 ? 'fastify' : 'express'
    const cycle = i >> 1
    // 42 methods and 5 paths share no factor: the first 210 cycles pair every method with every path.
    const method = cycle < all.length * paths[app].length ? all[cycle % all.length] : r.pick(all)
    const path = paths[app][cycle % paths[app].length]
    const target = method === 'CONNECT' && cycle % 2 === 0 ? '127.0.0.1:80' : path
    const body = method === 'POST' || method === 'PUT' || method === 'PATCH' ? '{"name":"x"}' : undefined
    const headers = body === undefined ? [] : [['Content-Type', 'application/json']]
    yield { app, fresh: true, head: method === 'HEAD', sql: isSql(method, target), bytes: requestBytes({ method, target, headers, body }) }
  }
}

const HEADER_KINDS = [
  (r) => ({ headers: [['X-Huge', 'h'.repeat(20_000 + r.int(10_000))]] }),
  (r) => ({ headers: [['X-Big', 'b'.repeat(8_000 + r.int(4_000))]] }),
  (r) => ({ headers: Array.from({ length: 50 + r.int(150) }, (_, k) => [`X-Many-${k}`, r.hex(8)]) }),
  (r) => ({ headers: Array.from({ length: 1_500 + r.int(1_000) }, (_, k) => [`X${k}`, '1']) }),
  (r) => ({ headers: [['X-High-Bytes', Array.from({ length: 40 }, () => String.fromCharCode(0x80 + r.int(128))).join('')]] }),
  () => ({ headers: [['X-Control', 'a\x01b']] }),
  () => ({ headers: [['X-Del', 'a\x7fb']] }),
  () => ({ headers: ['Bad Name: x'] }),
  () => ({ headers: ['X-(paren): x'] }),
  () => ({ headers: [': no-name'] }),
  () => ({ headers: ['X-Folded: a', ' continued'] }),
  () => ({ headers: [['Host', 'second.example']] }),
  () => ({ host: false }),
  () => ({ host: false, headers: [['Host', '%%%\xff']] }),
  () => ({ method: 'POST', headers: [['Content-Length', '-1']] }),
  () => ({ method: 'POST', headers: [['Content-Length', 'abc']] }),
  () => ({ method: 'POST', headers: [['Content-Length', '3'], ['Content-Length', '4']], body: 'abcd' }),
  () => ({ method: 'POST', headers: [['Transfer-Encoding', 'chunked'], ['Content-Length', '5']], body: '0\r\n\r\n' }),
  () => ({ method: 'POST', headers: [['Transfer-Encoding', 'chunked']], body: 'zz\r\nabc\r\n0\r\n\r\n', bodyRefused: true }),
  () => ({ method: 'POST', headers: [['Transfer-Encoding', 'gzip']], body: 'x', bodyRefused: true }),
  () => ({ method: 'POST', headers: [['Expect', '100-continue'], ['Content-Type', 'application/json']], body: '{"name":"e"}' }),
  () => ({ headers: [['Expect', 'the-unexpected']] }),
  () => ({ method: 'POST', headers: [['Content-Type', 'application/json']], body: '{"name":' }),
  () => ({ method: 'POST', headers: [['Content-Type', 'application/x-unknown']], body: 'x=1' }),
  () => ({ method: 'POST', headers: [['Content-Type', 'application/json; charset=utf-7']], body: '{}' }),
  (r) => ({ headers: [['Cookie', Array.from({ length: 300 }, (_, k) => `c${k}=${r.hex(10)}`).join('; ')]] }),
  () => ({ headers: [['Accept', '*/*;q=abc, \xff/\xfe']] }),
  () => ({ version: 'HTTP/2.0' }),
  () => ({ version: 'http/1.1' }),
  () => ({ version: 'HTTP/1.0', host: false }),
  () => ({ headers: [['Connection', 'close, upgrade'], ['Upgrade', 'h2c']] }),
  () => ({ headers: [['X-Forwarded-For', '1.1.1.1, \x7f, ::::']] }),
]

/** Hostile headers: huge, many, odd bytes, bad names, conflicting framing, missing Host. */
function* headers(r, n) {
  const targets = { fastify: { get: '/users/1', post: '/users' }, express: { get: '/tenants/t/items/1', post: '/tenants/t/sql' } }
  for (let i = 0; i < n; i++) {
    const app = i % 2 === 0 ? 'fastify' : 'express'
    const { bodyRefused, ...spec } = HEADER_KINDS[i % HEADER_KINDS.length](r)
    const target = spec.method === 'POST' ? targets[app].post : targets[app].get
    yield { app, fresh: true, sql: isSql(spec.method, target), bodyRefused, bytes: requestBytes({ target, ...spec }) }
  }
}

const ODD_VALUES = ['%E2%98%83', '%2F', '%20', '..', '%25', '%F0%9F%92%A9', 'a%00b', '%22%5C%0A', '__proto__', 'constructor']

/** A distinct parameter value: mostly plain, some encoded oddities, some too long for Fastify (414). */
function paramValue(r, i) {
  const roll = i % 20
  if (roll === 0) return `${r.pick(ODD_VALUES)}${i}`
  if (roll === 1) return `${'v'.repeat(120)}${i}`
  return `v${i}-${r.hex(4)}`
}

/** Parameterised prefixes and mounts, 5,000 distinct values each on Fastify's `/orgs/:org` and Express's `/tenants/:t`. */
function* params(r, n) {
  for (let i = 0; i < n; i++) {
    const v = paramValue(r, i)
    const fastify = [`/orgs/${v}`, `/orgs/${v}/projects/${r.int(100)}`, `/orgs/${v}/teams/t${i}/members/${r.hex(6)}`][i % 3]
    const express = [`/tenants/${v}/items/${r.int(100)}`, `/tenants/${v}/projects/p${i}/files/${r.hex(6)}`][i % 2]
    yield { app: 'fastify', bytes: requestBytes({ target: fastify }) }
    yield { app: 'express', bytes: requestBytes({ target: express }) }
  }
}

const VARIANTS = {
  fastify: [(v) => `/USERS/${v}`, (v) => `/Users/${v}/`, (v) => `/users/${v}/`, (v) => `/ORGS/${v}/Projects/${v}`, () => '/API/V1/STATUS', () => '/api/v1/status/', (v) => `/orgs/${v}/`],
  caseless: [(v) => `/regions/${v}/accounts/${v}`, (v) => `/REGIONS/${v}/ACCOUNTS/${v}/`, (v) => `/Regions/${v}/Accounts/${v}/settings/`, (v) => `/rEgIoNs/${v}/aCcOuNtS/${v}/SETTINGS`],
  express: [(v) => `/TENANTS/${v}/ITEMS/${v}`, (v) => `/tenants/${v}/items/${v}/`, (v) => `/Users/${v}`, (v) => `/Tenants/${v}/Projects/${v}/Files/${v}/`],
}

/** Case and trailing-slash variants of declared routes, with distinct values. */
function* variants(r, n) {
  const apps = ['fastify', 'caseless', 'express']
  for (let i = 0; i < n; i++) {
    const app = apps[i % 3]
    yield { app, bytes: requestBytes({ target: r.pick(VARIANTS[app])(`x${i}`) }) }
  }
}

/** Handler errors whose `code` the client chose (`E_<hex>`, or not code-like). */
function* errors(r, n) {
  for (let i = 0; i < n; i++) {
    const code = i % 4 === 3 ? `oops-${i}` : `E_${r.hex(8).toUpperCase()}`
    const target = i % 2 === 0 ? `/boom/${code}` : `/tenants/t${i % 7}/boom/${code}`
    yield { app: i % 2 === 0 ? 'fastify' : 'express', bytes: requestBytes({ target }) }
  }
}

/** Clients that hang up before the answer: a slow handler, or a body cut short. */
function* hangUps(r, n) {
  for (let i = 0; i < n; i++) {
    const app = i % 2 === 0 ? 'fastify' : 'express'
    const bytes =
      i % 4 < 2
        ? requestBytes({ target: `/slow/${100 + r.int(200)}` })
        : requestBytes({ method: 'POST', target: app === 'fastify' ? '/users' : '/tenants/t/sql', headers: [['Content-Type', 'application/json'], ['Content-Length', '1000']], body: '{"name":"cut' })
    yield { app, fresh: true, hangUpAfterMs: 20, bytes }
  }
}

/** Rate-limited routes: keys repeated so that about half of the checks say no. */
function* rateLimited(r, n) {
  const keys = Math.max(1, Math.floor(n / 12))
  for (let i = 0; i < n; i++) {
    const target = i % 2 === 0 ? `/limited/k${i % keys}` : `/search?q=${encodeURIComponent(`q${i % keys}`)}`
    yield { app: 'fastify', bytes: requestBytes({ target }) }
  }
}

const NAME_KINDS = [
  (i) => `quota-${i}`,
  (i) => `q"${i}`,
  (i) => `q\\${i}`,
  (i) => `q\n${i}`,
  (i) => `配额-${i}`,
  (i) => `💥${i}`,
  (i) => `{a="b",c="${i}"}`,
  (i) => `${'n'.repeat(90)}${i}`,
  (i) => `${'l'.repeat(150)}${i}`,
  (i) => (i % 2 ? '__proto__' : '_other') + (i % 3 === 0 ? '' : i),
  (i) => ` ${i} `,
  (i) => `q\u202e${i}`,
]

/**
 * The i-th of a series of distinct, hostile label candidates: quotes, backslashes, newlines,
 * non-Latin and right-to-left text, braces, names too long to keep, `__proto__` and `_other`.
 */
export function hostileName(i) {
  return NAME_KINDS[i % NAME_KINDS.length](i)
}

/** 6,000 distinct quota names at scale 1, recorded by app code (`quotaMetrics().record`): bounded by maxQuotas. */
function* quotaNames(r, n) {
  for (let i = 0; i < n; i++) {
    const target = `/quota/${encodeURIComponent(hostileName(i))}?outcome=${i % 3}`
    yield { app: 'fastify', quotaOutcome: i % 3, bytes: requestBytes({ method: 'POST', target, body: '' }) }
  }
}

const TEMPLATES = [
  (i) => `SELECT ${i}`,
  (i) => `SELECT 'word${i}'::text AS v`,
  (i) => `select $tag$literal ${i}$tag$`,
  (i) => `/* c${i} */ SELECT ${i} + 1`,
  (i) => `-- note ${i}\nSELECT now(), ${i}`,
  (i) => `(SELECT ${i})`,
  (i) => `VALUES (${i}, 'x${i}')`,
  (i) => `WITH w AS (SELECT ${i} AS a) SELECT a FROM w`,
  (i) => `SELECT * FROM generate_series(1, ${(i % 20) + 1}) g`,
  (i) => `SELEC ${i}`,
  (i) => `SELECT * FROM missing_table_${i}`,
  (i) => `SELECT '${i}x'::int`,
  (i) => `SELECT 1/${i % 2} AS d${i}`,
  (i) => `SELECT 'unterminated ${i}`,
  (i) => `FROBNICATE ${i}`,
  // A SQLSTATE of the app's choosing: classes PostgreSQL does not define must not become labels.
  (i, r) => `DO $$BEGIN RAISE EXCEPTION 'custom ${i}' USING ERRCODE = '${r.pick('GHIJKLMNOQRSTUVWYZ')}${r.pick('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ')}${String(i % 1000).padStart(3, '0')}'; END$$`,
  (i) => `BEGIN; SELECT ${i}; COMMIT`,
  (i) => `BEGIN; SELECT ${i}; ROLLBACK`,
  (i) => `SET application_name = 'attack${i}'`,
  (i) => `SHOW work_mem /* ${i} */`,
  (i) => `EXPLAIN SELECT ${i}`,
  (i) => `CREATE TEMP TABLE IF NOT EXISTS attack_tmp (a int) /* ${i} */`,
  (i) => `INSERT INTO attack_tmp VALUES (${i})`,
  (i) => `UPDATE attack_tmp SET a = ${i} WHERE a = ${i - 1}`,
  (i) => `DELETE FROM attack_tmp WHERE a < ${i - 100}`,
  (i) => `COMMIT /* ${i} */`,
  (i) => `ROLLBACK /* ${i} */`,
  (i) => `SELECT E'\\x41\\n${i}'`,
  (i) => `SELECT 'o''quote${i}', "weird col ${i}"`,
  (i) => `   /* only a comment ${i} */  `,
  (i) => `SELECT ${i}; SELECT ${i + 1}`,
  (i) => `NOTIFY attack_channel, 'n${i}'`,
  (i) => `TABLE pg_namespace LIMIT ${i % 3} /* ${i} */`,
  (i) => `CALL missing_procedure_${i}()`,
  (i) => `LOCK TABLE attack_tmp /* ${i} */`,
  (i) => `SELECT 'é中${i}' AS "ünï"`,
  (i) => `PREPARE p${i} AS SELECT ${i}`,
  (i) => `DEALLOCATE p${i - 1}`,
  (i) => `VACUUM attack_tmp /* ${i} */`,
  (i) => `SELECT * FROM (SELECT ${i}) s WHERE`,
]

/** One distinct SQL text per `i`: valid, invalid, literals of every kind, a few slow, a few that end their connection. */
export function sqlText(i, r) {
  if (i % 100 === 99) return `SELECT pg_sleep(0.03) /* slow ${i} */`
  if (i % 1000 === 501) return `SELECT pg_terminate_backend(pg_backend_pid()) /* ${i} */`
  return TEMPLATES[i % TEMPLATES.length](i, r)
}

/** 10,000 distinct SQL texts at scale 1, posted to the Express app, which runs them on its pool. */
function* sql(r, n) {
  for (let i = 0; i < n; i++) {
    const body = sqlText(i, r)
    yield { app: 'express', sql: true, bytes: requestBytes({ method: 'POST', target: `/tenants/t${i % 50}/sql`, headers: [['Content-Type', 'text/plain; charset=utf-8']], body }) }
  }
}

const GENERATORS = { urls, methods, headers, params, variants, errors, 'hang-ups': hangUps, 'rate-limited': rateLimited, 'quota-names': quotaNames, sql }

/**
 * The HTTP attack, phase by phase, at a scale (1: the counts of `HTTP_COUNTS`; at least one of each).
 * @param {number} scale
 * @param {number} seed
 * @returns {Array<{ phase: string, count: number, requests: () => Iterable<PlannedRequest> }>} requests:
 *   made lazily, from a generator of the phase's own seed
 */
export function httpPhases(scale, seed) {
  return Object.entries(HTTP_COUNTS).map(([phase, full], index) => {
    const count = Math.max(1, Math.round(full * scale))
    return { phase, count, requests: () => GENERATORS[phase](random(seed + index), count) }
  })
}
