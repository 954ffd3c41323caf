import type { IncomingMessage } from 'node:http'
import type { WebSocket, WebSocketServer } from 'ws'
import type { WsFailureReason } from '@intervai/metrics-catalog'
import { instrumentOnce, optionError, undoAll } from '@intervai/metrics-core/internal'
import { connectionRecorder, watchConnection, type Connection, type ConnectionRecorder } from './connection.js'
import { watchHandshakes, type HandshakeWatch } from './handshake.js'
import { COMPONENT, createServerSeries } from './metrics.js'
import { identityOf, PKG, resolveOptions, type ResolvedWsOptions, type WsMetricsOptions } from './options.js'
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

/** One server's instrumentation, shared by every handle asked for that server. */
export class Instrumentation {
  readonly streams: StreamTimer
  /** Counts a failed handshake (guarded: never throws). */
  readonly failed: (reason: WsFailureReason) => void
  private readonly recorder: ConnectionRecorder
  private readonly connections = new Map<WebSocket, Connection>()
  private readonly handshakes: HandshakeWatch
  private readonly undos: Array<() => void> = []
  private readonly gone = (connection: Connection): void => {
    this.connections.delete(connection.ws)
  }

  constructor(wss: WebSocketServer, options: ResolvedWsOptions) {
    const series = createServerSeries(options)
    const { metrics } = options
    this.recorder = connectionRecorder(series)
    this.failed = metrics.safely(COMPONENT, (reason: WsFailureReason) => series.failures[reason].inc())
    this.streams = new StreamTimer(series.streams, series.streamNames, metrics, (socket) => this.connections.get(socket as WebSocket))
    // With clientTracking: false ws keeps no client set; our own map of open connections stands in.
    this.undos.push(series.sampleActive(() => wss.clients?.size ?? this.connections.size))
    const opened = metrics.safely(COMPONENT, (ws: WebSocket) => {
      series.opened.inc()
      this.attach(ws, performance.now())
    })
    this.handshakes = watchHandshakes(wss, metrics, { opened, failed: this.failed })
    this.undos.push(() => this.handshakes.undo())
    // Connections opened before us: counted from now on, but their duration is unknown.
    for (const ws of wss.clients ?? []) if (ws.readyState === ws.OPEN) this.attach(ws, undefined)
  }

  /** Takes the counting of an upgrade request that has not reached ws (see `HandshakeWatch.claim`). */
  claim(req: IncomingMessage): boolean {
    return this.handshakes.claim(req)
  }

  /** Undoes everything; with `drain`, open connections keep being recorded until they close. */
  close(drain = false): void {
    undoAll(this.undos)
    if (drain) return
    for (const connection of this.connections.values()) connection.detach()
    this.connections.clear()
    this.streams.close()
  }

  private attach(ws: WebSocket, startedAt: number | undefined): void {
    if (this.connections.has(ws)) return
    this.connections.set(ws, watchConnection(ws, this.recorder, startedAt, this.gone))
  }
}

/** A share of a server's instrumentation and the handle given out for it. */
export interface InstrumentedServer {
  readonly handle: WebSocketMetrics
  readonly instrumentation: Instrumentation
  /** Gives the share back; the last one undoes it (with `drain`, open connections are recorded until they close). */
  release(drain: boolean): void
}

/** Instruments `wss` (or joins its instrumentation) with options already resolved. */
export function instrumentServer(wss: WebSocketServer, options: ResolvedWsOptions): InstrumentedServer {
  const claim = instrumentOnce(PKG, wss, identityOf(options), () => new Instrumentation(wss, options))
  const { instrumentation } = claim
  return {
    instrumentation,
    handle: {
      startStream: (name, socket) => instrumentation.streams.start(name, socket),
      close: () => claim.release(false),
    },
    release: (drain) => claim.release(drain),
  }
}

/**
 * Instruments a ws `WebSocketServer`, however it was created (`{ server }`, `{ port }`,
 * `{ noServer: true }` with the app calling `handleUpgrade`, or `@fastify/websocket`):
 * active connections (sampled from `wss.clients` at scrape), opened and failed handshakes
 * (by reason), messages and sizes per direction, errors after open, and connection durations
 * by close code. Instrumenting the same server again shares the first instrumentation (nothing
 * is counted twice; different options get a warning and the first stay in effect); it is
 * undone when every handle is closed.
 */
export function instrumentWebSocketServer(wss: WebSocketServer, options?: WsMetricsOptions): WebSocketMetrics {
  if (typeof wss !== 'object' || wss === null || typeof (wss as Partial<WebSocketServer>).handleUpgrade !== 'function') {
    throw optionError(PKG, 'wss', 'a ws WebSocketServer', wss)
  }
  return instrumentServer(wss, resolveOptions(options)).handle
}
