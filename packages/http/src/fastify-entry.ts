// `@intervai/metrics-http/fastify`: the Fastify plugin. Its own entry, so that only an app that
// imports it loads Fastify's types (an Express app type-checks without fastify installed).
export { fastifyHttpMetrics } from './fastify.js'
export type { FastifyHttpMetricsOptions } from './fastify.js'
export type { ExposeOptions, HttpMetricsOptions } from './options.js'
