// The framework-free entry: option types only. The plugin and the middleware live in
// `@intervai/metrics-http/fastify` and `@intervai/metrics-http/express`, so an app loads the
// types of its own framework and no other.
export type { ExposeOptions, HttpMetricsOptions } from './options.js'
