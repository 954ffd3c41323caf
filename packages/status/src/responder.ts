import type { IncomingMessage, ServerResponse } from 'node:http'
import { promisify } from 'node:util'
import { gzip as gzipCallback, gzipSync } from 'node:zlib'
import type { MetricsAuth } from '@intervai/metrics-core'
import { challengeOf, isAuthorized } from '@intervai/metrics-core/internal'
import type { StatusData } from './data.js'
import type { ResolvedStatusOptions } from './options.js'
import { statusPage } from './page.js'
import type { StatusSource } from './sampler-source.js'

const gzip = promisify(gzipCallback)

/** An HTTP answer, framework-neutral: each adapter (Fastify, Express, node:http) sends it its way. */
export interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: Buffer | undefined
}

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
}

/** Whether an `Accept-Encoding` header takes gzip (and does not refuse it with q=0). */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '')
  return text.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';')
    if (coding !== 'gzip' && coding !== '*') return false
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    return q === undefined || Number(q.slice(2)) > 0
  })
}

/**
 * Answers `GET <path>` (the page) and `GET <path>/data` (its JSON), behind the configured
 * credentials. The page is built once; the JSON once per sampler tick, however many viewers ask.
 */
export class StatusResponder {
  readonly path: string
  readonly dataPath: string
  private readonly auth: MetricsAuth | undefined
  private readonly page: { html: Buffer; gzipped: Buffer | undefined; csp: string }
  private encoded: { data: StatusData; json: Buffer; gzipped: Promise<Buffer> | undefined } | undefined

  constructor(
    options: ResolvedStatusOptions,
    private readonly source: StatusSource,
  ) {
    this.path = options.path
    this.dataPath = `${options.path}/data`
    this.auth = options.auth
    const page = statusPage(options.title)
    this.page = { html: Buffer.from(page.html), gzipped: undefined, csp: page.contentSecurityPolicy }
  }

  /** Whether a request carries the credentials (always, without `auth`). */
  authorized(header: string | undefined): boolean {
    return isAuthorized(header, this.auth)
  }

  /** The 401 answer. */
  unauthorized(): Answer {
    return { status: 401, headers: { 'www-authenticate': challengeOf(this.auth as MetricsAuth), ...COMMON_HEADERS }, body: undefined }
  }

  /** The page. */
  pageAnswer(acceptEncoding: string | string[] | undefined): Answer {
    const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': this.page.csp, 'x-frame-options': 'DENY', vary: 'accept-encoding', ...COMMON_HEADERS }
    if (!acceptsGzip(acceptEncoding)) return { status: 200, headers, body: this.page.html }
    this.page.gzipped ??= gzipSync(this.page.html)
    return { status: 200, headers: { ...headers, 'content-encoding': 'gzip' }, body: this.page.gzipped }
  }

  /** The JSON of the page, as of the newest sample. */
  async dataAnswer(acceptEncoding: string | string[] | undefined): Promise<Answer> {
    let data: StatusData
    try {
      data = await this.source.data()
    } catch (error) {
      const body = Buffer.from(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }))
      return { status: 500, headers: { 'content-type': 'application/json; charset=utf-8', ...COMMON_HEADERS }, body }
    }
    if (this.encoded?.data !== data) this.encoded = { data, json: Buffer.from(JSON.stringify(data)), gzipped: undefined }
    const encoded = this.encoded
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', vary: 'accept-encoding', ...COMMON_HEADERS }
    if (!acceptsGzip(acceptEncoding) || encoded.json.length < 1024) return { status: 200, headers, body: encoded.json }
    encoded.gzipped ??= gzip(encoded.json)
    return { status: 200, headers: { ...headers, 'content-encoding': 'gzip' }, body: await encoded.gzipped }
  }

  /**
   * The answer to a request for `pathname`, or undefined when it is not one of ours. GET and
   * HEAD only (405 otherwise); 401 without the credentials.
   */
  async answer(method: string | undefined, pathname: string, headers: IncomingMessage['headers']): Promise<Answer | undefined> {
    if (pathname !== this.path && pathname !== this.dataPath) return undefined
    if (method !== 'GET' && method !== 'HEAD') return { status: 405, headers: { allow: 'GET, HEAD', ...COMMON_HEADERS }, body: undefined }
    if (!this.authorized(headers.authorization)) return this.unauthorized()
    return pathname === this.path ? this.pageAnswer(headers['accept-encoding']) : this.dataAnswer(headers['accept-encoding'])
  }
}

/** Sends an answer on a node:http response (HEAD: headers only). */
export function sendAnswer(req: IncomingMessage, res: ServerResponse, answer: Answer): void {
  const headers: Record<string, string | number> = { ...answer.headers }
  if (answer.body !== undefined) headers['content-length'] = answer.body.length
  res.writeHead(answer.status, headers)
  res.end(req.method === 'HEAD' ? undefined : answer.body)
}

/** The path of a request URL, without its query. */
export function pathOf(url: string | undefined): string {
  const text = url ?? '/'
  const query = text.indexOf('?')
  return query === -1 ? text : text.slice(0, query)
}
