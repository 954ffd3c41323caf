import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { expressHttpMetrics } from '../src/express-entry.js'
import { fastifyHttpMetrics } from '../src/fastify-entry.js'
import { freshMetrics } from './helpers.js'

async function registerWith(options: unknown): Promise<void> {
  const app = Fastify()
  try {
    await app.register(fastifyHttpMetrics, options as never)
    await app.ready()
  } finally {
    await app.close()
  }
}

describe('fastifyHttpMetrics options', () => {
  it('rejects negative buckets at registration, naming the option and the value', async () => {
    await expect(registerWith({ metrics: freshMetrics(), buckets: [-1, 0.5, 1] })).rejects.toThrow(
      '@intervai/metrics-http: option "buckets" must be a non-empty array of increasing finite numbers >= 0 (got [-1,0.5,1])',
    )
  })

  it('rejects unsorted buckets at registration, naming the option and the value', async () => {
    await expect(registerWith({ metrics: freshMetrics(), buckets: [1, 0.5] })).rejects.toThrow(
      '@intervai/metrics-http: option "buckets" must be strictly increasing (sorted, no duplicates) (got [1,0.5])',
    )
  })

  it('rejects a prefix with characters a metric name cannot have', async () => {
    await expect(registerWith({ prefix: 'my-app.' })).rejects.toThrow('option "prefix" must be a string matching')
    await expect(registerWith({ prefix: 'my-app.' })).rejects.toThrow('(got "my-app.")')
  })

  it('rejects a prefix that is not a string', async () => {
    await expect(registerWith({ prefix: 42 })).rejects.toThrow('option "prefix" must be a string matching [a-zA-Z_:][a-zA-Z0-9_:]* (or empty) (got 42)')
  })

  it('rejects a prefix that differs from the prefix of the metrics object', async () => {
    await expect(registerWith({ metrics: freshMetrics(), prefix: 'shop_' })).rejects.toThrow(
      'option "prefix" must be the prefix of "metrics" (""), or left out (got "shop_")',
    )
  })

  it('rejects a metrics option that is not a metrics object', async () => {
    await expect(registerWith({ metrics: { registry: {} } })).rejects.toThrow(
      'option "metrics" must be the object createMetrics() returns (got {"registry":{}})',
    )
  })

  it('rejects an expose option of the wrong type', async () => {
    await expect(registerWith({ metrics: freshMetrics(), expose: 'yes' })).rejects.toThrow('option "expose" must be an object (got "yes")')
  })

  it('rejects an expose path that is not a path', async () => {
    await expect(registerWith({ metrics: freshMetrics(), expose: { path: 'metrics' } })).rejects.toThrow(
      'option "expose.path" must be a path starting with "/"',
    )
  })

  it('rejects unusable credentials for the metrics route', async () => {
    await expect(registerWith({ metrics: freshMetrics(), expose: { auth: { bearer: '' } } })).rejects.toThrow(
      'option "expose.auth" must be { bearer: string } or { username: string, password: string } (got {"bearer":""})',
    )
  })

  it('rejects an unknown option instead of ignoring it', async () => {
    await expect(registerWith({ metrics: freshMetrics(), bucket: [1, 2] })).rejects.toThrow(
      '@intervai/metrics-http: option "bucket" must be one of the options (metrics, prefix, buckets, expose) (got [1,2])',
    )
  })

  it('rejects buckets that conflict with the histogram already on the registry, naming both', async () => {
    const metrics = freshMetrics()
    await registerWith({ metrics })
    await expect(registerWith({ metrics, buckets: [1, 2] })).rejects.toThrow(
      'metric "http_server_request_duration_seconds" is already defined as histogram http_server_request_duration_seconds{method,route,status_code} buckets [0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2,5,10]; cannot define it again as histogram http_server_request_duration_seconds{method,route,status_code} buckets [1,2]',
    )
  })
})

describe('expressHttpMetrics options', () => {
  it('throws when the middleware is created with bad buckets, naming the option and the value', () => {
    expect(() => expressHttpMetrics({ metrics: freshMetrics(), buckets: [0.1, 'x'] as never })).toThrow(
      '@intervai/metrics-http: option "buckets" must be a non-empty array of increasing finite numbers >= 0 (got [0.1,"x"])',
    )
  })
})
