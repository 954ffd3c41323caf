import Fastify, { type FastifyInstance } from 'fastify'
import rateLimit, { type RateLimitPluginOptions } from '@fastify/rate-limit'
import { Registry } from 'prom-client'
import { metricCatalog } from '@intervai/metrics-catalog'
import { createMetrics, type Metrics } from '@intervai/metrics-core'

const { checks: CHECKS, limitHits: HITS } = metricCatalog.quota

/** A metrics object on a registry of its own. */
export function freshMetrics(): Metrics {
  return createMetrics({ registry: new Registry(), onError: () => {} })
}

/** One sample of a metric, as prom-client's registry reports it. */
export interface Sample {
  name: string
  labels: Record<string, string | number>
  value: number
}

/** Every sample of the registry, read through prom-client (which asks our collectors). */
export async function scrape(metrics: Metrics): Promise<Sample[]> {
  const families = await metrics.registry.getMetricsAsJSON()
  return families.flatMap((family) =>
    (family.values as { labels: Record<string, string | number>; value: number }[]).map((v) => ({ name: family.name, labels: v.labels, value: v.value })),
  )
}

function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels)
  const found = samples.filter((s) => s.name === name && Object.keys(s.labels).length === wanted.length && wanted.every(([k, v]) => s.labels[k] === v))
  if (found.length > 1) throw new Error(`${found.length} samples match ${name} ${JSON.stringify(labels)}`)
  return found[0]?.value
}

/** The counters of one quota (undefined where a series does not exist). */
export async function quotaFigures(metrics: Metrics, quota: string) {
  const samples = await scrape(metrics)
  return {
    allowed: valueOf(samples, CHECKS.name, { quota, outcome: 'allowed' }),
    exceeded: valueOf(samples, CHECKS.name, { quota, outcome: 'exceeded' }),
    error: valueOf(samples, CHECKS.name, { quota, outcome: 'error' }),
    hits: valueOf(samples, HITS.name, { quota }),
  }
}

/** `instrumentation_errors_total` summed over components. */
export async function instrumentationErrors(metrics: Metrics): Promise<number> {
  return (await scrape(metrics)).filter((s) => s.name === 'instrumentation_errors_total').reduce((sum, s) => sum + s.value, 0)
}

/** A Fastify app with `@fastify/rate-limit` registered with these options and two routes, `/` and `/search`. */
export async function rateLimitedApp(options: RateLimitPluginOptions, routeLimit?: RateLimitPluginOptions): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(rateLimit, { keyGenerator: (request) => String(request.headers['x-api-key'] ?? 'anonymous'), ...options })
  app.get('/', async () => 'ok')
  app.get('/search', routeLimit ? { config: { rateLimit: routeLimit } } : {}, async () => 'found')
  await app.ready()
  return app
}

/** The status and rate-limit headers of a response, for comparison. */
export interface Answer {
  status: number
  limit: string | undefined
  remaining: string | undefined
  reset: string | undefined
  retryAfter: string | undefined
}

/** Sends one GET with an API key and returns its status and rate-limit headers. */
export async function ask(app: FastifyInstance, url = '/', key = 'key-1'): Promise<Answer> {
  const res = await app.inject({ method: 'GET', url, headers: { 'x-api-key': key } })
  const header = (name: string) => (res.headers[name] === undefined ? undefined : String(res.headers[name]))
  return {
    status: res.statusCode,
    limit: header('x-ratelimit-limit'),
    remaining: header('x-ratelimit-remaining'),
    reset: header('x-ratelimit-reset'),
    retryAfter: header('retry-after'),
  }
}

/** How many answers have each status code. */
export function countStatuses(answers: readonly Answer[]): Record<number, number> {
  const counts: Record<number, number> = {}
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1
  return counts
}
