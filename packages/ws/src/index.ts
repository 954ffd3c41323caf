// The `@fastify/websocket` plugin is `@intervai/metrics-ws/fastify` (fastify-entry.ts): Fastify's types load only where it is used.
export { instrumentWebSocketServer } from './instrument.js'
export type { WebSocketMetrics } from './instrument.js'
export type { WsStream } from './stream.js'
export type { WsMetricsOptions } from './options.js'
