import type { FastifyPluginCallback } from 'fastify'
import fp from 'fastify-plugin'
import type { WebSocketServer } from 'ws'
import { FASTIFY_REGISTER_OPTIONS } from '@intervai/metrics-core/internal'
import { instrumentServer, type WebSocketMetrics } from './instrument.js'
import { PKG, resolveOptions, type ResolvedWsOptions, type WsMetricsOptions } from './options.js'
import { watchFastifyUpgrades } from './upgrades.js'

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
  let options: ResolvedWsOptions
  try {
    options = resolveOptions(opts, FASTIFY_REGISTER_OPTIONS)
  } catch (error) {
    done(error as Error)
    return
  }
  const instrumented = instrumentServer(wss, options)
  const unwatch = watchFastifyUpgrades(app, instrumented.instrumentation, options.metrics)
  if (!app.hasDecorator('wsMetrics')) app.decorate('wsMetrics', instrumented.handle)
  app.addHook('onClose', (_instance, next) => {
    unwatch()
    // @fastify/websocket's preClose starts closing the clients but does not wait for them, so
    // the connections still closing are recorded until they are gone.
    instrumented.release(true)
    next()
  })
  done()
}

/**
 * Fastify plugin: instruments `app.websocketServer` of `@fastify/websocket` (register that
 * first, and this before your routes), counts the upgrades no WebSocket route took as failed
 * handshakes, and decorates `app.wsMetrics` for `startStream`. Undone when the app closes.
 */
export const fastifyWebSocketMetrics = fp(plugin, {
  name: '@intervai/metrics-ws',
  fastify: '5.x',
  dependencies: ['@fastify/websocket'],
})
