import type { WebSocket, WebSocketServer } from 'ws'
import { optionError } from '@intervai/metrics-core'
import { watchConnection, type Connection } from './connection.js'
import { watchHandshakes } from './handshake.js'
import { createServerSeries, type ServerSeries } from './metrics.js'
import { PKG, resolveOptions, type ResolvedWsOptions, type WsMetricsOptions } from './options.js'
import { StreamTimer, type WsStream } from './stream.js'

/** What `instrumentWebSocketServer` returns. */
export interface WebSocketMetrics {
  /**
   * Starts timing a streaming operation on `socket` into `ws_stream_duration_seconds`. The
   * stream ends once: by `end(outcome)`, or as `cancelled` when the socket closes first.
   * @param name the `stream` label; bounded by `maxStreamNames`
   * @param socket the WebSocket the stream runs on
   */
  startStream(name: string, socket?: WebSocket): WsStream
  /** Removes every listener and wrapper added to the server and its sockets. Idempotent. */
  close(): void
}

const COMPONENT = 'ws'

/** One server's instrumentation, shared by every handle asked for that server. */
class Instrumentation {
  readonly options: ResolvedWsOptions
  readonly streams: StreamTimer
  refs = 0
  private readonly series: ServerSeries
  private readonly connections = new Map<WebSocket, Connection>()
  private readonly admittedCodes = new Set<string>()
  private readonly undo: Array<() => void> = []
  private readonly fault = (error: unknown): void => this.series.metrics.recordError(COMPONENT, error)
  private readonly gone = (connection: Connection): void => {
    this.connections.delete(connection.ws)
  }

  constructor(
    private readonly wss: WebSocketServer,
    options: ResolvedWsOptions,
  ) {
    this.options = options
    const series = (this.series = createServerSeries(options))
    this.streams = new StreamTimer(series.streams, series.streamNames, (socket) => this.connections.get(socket as WebSocket), this.fault)
    // With clientTracking: false ws keeps no client set; our own map of open connections stands in.
    this.undo.push(series.sampleActive(() => wss.clients?.size ?? this.connections.size))
    this.undo.push(
      watchHandshakes(wss, {
        opened: (ws) => {
          try {
            series.opened.inc()
            this.attach(ws, performance.now())
          } catch (error) {
            this.fault(error)
          }
        },
        failed: (reason) => series.failures[reason].inc(),
        fault: this.fault,
      }),
    )
    // Connections opened before us: counted from now on, but their duration is unknown.
    for (const ws of wss.clients ?? []) if (ws.readyState === ws.OPEN) this.attach(ws, undefined)
  }

  /** Undoes everything; with `drain`, open connections keep being recorded until they close. */
  close(drain = false): void {
    for (const restore of this.undo.splice(0).reverse()) restore()
    if (drain) return
    for (const connection of this.connections.values()) connection.detach()
    this.connections.clear()
    this.streams.close()
  }

  private attach(ws: WebSocket, startedAt: number | undefined): void {
    if (this.connections.has(ws)) return
    this.connections.set(ws, watchConnection(ws, this.series, startedAt, this.admittedCodes, this.fault, this.gone))
  }
}

const INSTRUMENTED = Symbol.for('@intervai/metrics-ws.instrumented')

// Kept on globalThis so two copies of this package still see one instrumentation per server.
function instrumented(): WeakMap<WebSocketServer, Instrumentation> {
  const store = globalThis as { [INSTRUMENTED]?: WeakMap<WebSocketServer, Instrumentation> }
  return (store[INSTRUMENTED] ??= new WeakMap())
}

/**
 * Instruments a ws `WebSocketServer`, however it was created (`{ server }`, `{ port }`,
 * `{ noServer: true }` with the app calling `handleUpgrade`, or `@fastify/websocket`):
 * active connections (sampled from `wss.clients` at scrape), opened and failed handshakes
 * (by reason), messages and sizes per direction, errors after open, and connection durations
 * by close code. Instrumenting the same server again returns a handle to the same
 * instrumentation, so nothing is counted twice; it is undone when every handle is closed.
 */
export function instrumentWebSocketServer(wss: WebSocketServer, options: WsMetricsOptions = {}): WebSocketMetrics {
  if (typeof wss !== 'object' || wss === null || typeof (wss as Partial<WebSocketServer>).handleUpgrade !== 'function') {
    throw optionError(PKG, 'wss', 'a ws WebSocketServer', wss)
  }
  const resolved = resolveOptions(options)
  const registry = instrumented()
  let instrumentation = registry.get(wss)
  if (instrumentation === undefined) {
    instrumentation = new Instrumentation(wss, resolved)
    registry.set(wss, instrumentation)
  } else if (instrumentation.options.server !== resolved.server || instrumentation.options.metrics !== resolved.metrics) {
    process.emitWarning(`${PKG}: this WebSocketServer is already instrumented; the first options stay in effect`, {
      type: 'IntervAIMetricsWarning',
      code: 'INTERVAI_METRICS_WS_TWICE',
    })
  }
  const shared = instrumentation
  shared.refs++
  let closed = false
  const close = (drain: boolean): void => {
    if (closed) return
    closed = true
    if (--shared.refs > 0) return
    shared.close(drain)
    if (registry.get(wss) === shared) registry.delete(wss)
  }
  const handle: WebSocketMetrics = {
    startStream: (name, socket) => shared.streams.start(name, socket),
    close: () => close(false),
  }
  drainers.set(handle, () => close(true))
  return handle
}

const drainers = new WeakMap<WebSocketMetrics, () => void>()

/**
 * Like `handle.close()`, but connections still open go on being recorded until they close
 * (each then removes its own listeners): for a server that is shutting down and closing them.
 */
export function closeAfterConnections(handle: WebSocketMetrics): void {
  const drain = drainers.get(handle)
  if (drain) drain()
  else handle.close()
}
