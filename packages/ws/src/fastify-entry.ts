// `@intervai/metrics-ws/fastify`: the plugin for `@fastify/websocket`. Its own entry, so that a
// ws app without Fastify never loads Fastify's types.
export { fastifyWebSocketMetrics } from './plugin.js'
export type { WebSocketMetrics } from './instrument.js'
export type { WsStream } from './stream.js'
export type { WsMetricsOptions } from './options.js'
