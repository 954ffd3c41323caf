// `@intervai/metrics-http/express`: the Express middleware. Its own entry, like the Fastify
// plugin's, so that an app loads only the code and types of its own framework.
export { expressHttpMetrics } from './express.js'
export type { ExpressHttpMetricsMiddleware, ExpressHttpMetricsOptions, ExpressLikeRequest, NextFunction } from './express.js'
export type { ExposeOptions, HttpMetricsOptions } from './options.js'
