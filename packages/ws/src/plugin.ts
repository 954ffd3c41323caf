import type { FastifyPluginCallback } from 'fastify'
import fp from 'fastify-plugin'
import type { WebSocketServer } from 'ws'
import { closeAfterConnections, instrumentWebSocketServer, type WebSocketMetrics } from './instrument.js'
import { PKG, type WsMetricsOptions } from './options.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The WebSocket metrics handle of `app.websocketServer` (`startStream`, `close`). */
    wsMetrics: WebSocketMetrics
  }
}

const plugin: FastifyPluginCallback<WsMetricsOptions> = (app, opts, done) => {
  const wss = (app as unknown as { websocketServer?: WebSocketServer }).websocketServer
  if (wss === undefined) {
    done(new Error(`${PKG}: app.websocketServer is missing; register @fastify/websocket first`))
    return
  }
  let handle: WebSocketMetrics
  try {
    handle = instrumentWebSocketServer(wss, opts)
  } catch (error) {
    done(error as Error)
    return
  }
  if (!app.hasDecorator('wsMetrics')) app.decorate('wsMetrics', handle)
  // @fastify/websocket's preClose starts closing the clients but does not wait for them, so the
  // connections still closing are recorded until they are gone.
  app.addHook('onClose', (_instance, next) => {
    closeAfterConnections(handle)
    next()
  })
  done()
}

/**
 * Fastify plugin: instruments `app.websocketServer` of `@fastify/websocket` (register that
 * first) and decorates `app.wsMetrics` for `startStream`. Undone when the app closes.
 */
export const fastifyWebSocketMetrics = fp(plugin, {
  name: '@intervai/metrics-ws',
  fastify: '5.x',
  dependencies: ['@fastify/websocket'],
})
