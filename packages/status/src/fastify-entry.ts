// `@intervai/metrics-status/fastify`: the Fastify plugin. Its own entry, so that only an app
// that imports it loads Fastify's types.
export { fastifyStatusPage } from './fastify.js'
export type { FastifyStatusPageOptions } from './fastify.js'
export type { BusinessPanel, BusinessPanelValue, PrometheusSource, StatusPageOptions, StatusUnit } from './types.js'
