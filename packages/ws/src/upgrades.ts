import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { FastifyInstance, onResponseHookHandler } from 'fastify'
import { wsFailureReasons as REASONS, type WsFailureReason } from '@intervai/metrics-catalog'
import type { Metrics } from '@intervai/metrics-core'
import { headerFault } from './handshake.js'
import type { Instrumentation } from './instrument.js'
import { COMPONENT } from './metrics.js'

interface WebSocketRoute {
  websocket?: unknown
  wsHandler?: unknown
  onResponse?: onResponseHookHandler | onResponseHookHandler[]
}

/**
 * Counts the WebSocket upgrade requests Fastify answered itself instead of handing them to ws: a
 * path with no route (404), a plain route, or a hook of a WebSocket route refusing the upgrade.
 * @fastify/websocket sends every upgrade of `app.server` through Fastify's router, and only a
 * WebSocket route's handler calls `handleUpgrade` (index.js of @fastify/websocket); what ws
 * never sees, its watcher cannot count. So each upgrade request is followed to its socket's
 * close: if ws did not take it, it failed, as
 * - the reason ws would give its headers, if they are bad;
 * - `rejected` when it reached a WebSocket route whose hooks answered it (seen by an
 *   `onResponse` hook this adds, through `onRoute`, to WebSocket routes declared after it);
 * - `path_mismatch` when anything else answered it (no route, a plain route);
 * - `client_closed` when nothing was written before the socket closed.
 * Returns the undo.
 */
export function watchFastifyUpgrades(app: FastifyInstance, instrumentation: Instrumentation, metrics: Metrics): () => void {
  let active = true
  const refused = new WeakSet<IncomingMessage>()
  const markRefused: onResponseHookHandler = (request, _reply, done) => {
    refused.add(request.raw)
    done()
  }
  const reasonOf = (req: IncomingMessage, socket: Duplex): WsFailureReason => {
    const headers = headerFault(req)
    if (headers !== undefined) return headers
    if (refused.has(req)) return REASONS.rejected
    const written = (socket as { bytesWritten?: unknown }).bytesWritten
    return written === 0 ? REASONS.clientClosed : REASONS.pathMismatch
  }
  const settle = metrics.safely(COMPONENT, (req: IncomingMessage, socket: Duplex) => {
    if (active && instrumentation.claim(req)) instrumentation.failed(reasonOf(req, socket))
  })
  const onUpgrade = (req: IncomingMessage, socket: Duplex): void => {
    // Other upgrades (HTTP/2's h2c offer, sent on every request by some clients) are no handshake of ours.
    const upgrade = req.headers.upgrade
    if (typeof upgrade === 'string' && upgrade.toLowerCase() === 'websocket') socket.once('close', () => settle(req, socket))
  }

  app.addHook('onRoute', (route) => {
    const options = route as WebSocketRoute
    if (options.websocket !== true && typeof options.wsHandler !== 'function') return
    const hooks = options.onResponse
    options.onResponse = hooks === undefined ? [markRefused] : [...(Array.isArray(hooks) ? hooks : [hooks]), markRefused]
  })
  app.server.on('upgrade', onUpgrade)
  return () => {
    active = false
    app.server.removeListener('upgrade', onUpgrade)
  }
}
