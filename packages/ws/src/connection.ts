import { errorMonitor } from 'node:events'
import type { WebSocket } from 'ws'
import { patchMethod, undoAll } from '@intervai/metrics-core/internal'
import { closeCodeLabel, COMPONENT, type ServerSeries } from './metrics.js'

/** Our bookkeeping for one open connection. */
export interface Connection {
  readonly ws: WebSocket
  /** Run once when the connection closes (streams still open end as cancelled). */
  readonly onClose: Set<() => void>
  /** Removes every listener and wrapper this connection got from us. */
  detach(): void
}

const OPEN = 1
// ws's close(code) with no code sends a close frame without one, which the peer reads as 1005.
const NO_STATUS = 1005

/** The size in bytes of a message as ws hands it to the app (Buffer, ArrayBuffer, Buffer[] or Blob). */
export function receivedSize(data: unknown): number {
  const bytes = (data as { byteLength?: unknown }).byteLength
  if (typeof bytes === 'number') return bytes
  if (Array.isArray(data)) {
    let total = 0
    for (const part of data) total += (part as { byteLength: number }).byteLength
    return total
  }
  const size = (data as { size?: unknown }).size
  return typeof size === 'number' ? size : 0
}

/** The size in bytes of what `ws.send(data)` puts on the wire (before compression), as ws computes it. */
export function sentSize(data: unknown): number {
  if (typeof data === 'string') return Buffer.byteLength(data)
  if (data === null || data === undefined) return 0
  if (typeof data === 'number') return String(data).length
  const bytes = (data as { byteLength?: unknown }).byteLength
  if (typeof bytes === 'number') return bytes
  const size = (data as { size?: unknown }).size
  if (typeof size === 'number') return size
  return Buffer.from(data as never).length
}

// ws only ends a message on a send whose merged options have a truthy `fin` (defaults first, the
// caller's own keys spread over them, in WebSocket#send of ws/lib/websocket.js).
function isFragment(options: unknown): boolean {
  return typeof options === 'object' && options !== null && Object.hasOwn(options, 'fin') && !(options as { fin?: unknown }).fin
}

interface State {
  /** Bytes of a fragmented message sent so far. */
  pending: number
  /** The code of the close frame this side sent first (the app's ws.close(code), or ws's after a bad frame). */
  sentCode: number | undefined
  readonly startedAt: number | undefined
}

/** What every connection of one server records through: guarded once per server, shared by its connections. */
export interface ConnectionRecorder {
  readonly series: ServerSeries
  /** A 'message' listener. */
  readonly received: (data: unknown) => void
  /** An `errorMonitor` listener. */
  readonly errored: (error: unknown) => void
  readonly sent: (state: State, data: unknown, options: unknown) => void
  readonly closed: (state: State, code: number) => void
}

/** Makes the guarded recording functions of one server's connections (a throw is counted, never raised). */
export function connectionRecorder(series: ServerSeries): ConnectionRecorder {
  const safely = <A extends unknown[]>(fn: (...args: A) => void) => series.metrics.safely(COMPONENT, fn)
  return {
    series,
    received: safely((data: unknown) => {
      series.received.inc()
      series.receivedSize.observe(receivedSize(data))
    }),
    errored: safely((error: unknown) => series.error(error).inc()),
    sent: safely((state: State, data: unknown, options: unknown) => {
      const size = sentSize(data)
      if (isFragment(options)) {
        state.pending += size
        return
      }
      series.sent.inc()
      series.sentSize.observe(state.pending + size)
      state.pending = 0
    }),
    closed: safely((state: State, code: number) => {
      if (state.startedAt === undefined) return
      series.duration[closeCodeLabel(state.sentCode ?? code)].observe((performance.now() - state.startedAt) / 1000)
    }),
  }
}

/**
 * Counts one connection's messages (received through a 'message' listener, sent through a wrapper
 * of this socket's own `send`), its errors (through `events.errorMonitor`, so an app with or
 * without an 'error' listener behaves as before) and, when `startedAt` is known, its duration
 * by close code.
 *
 * The close code is the one of the close frame that began the closing handshake. ws's 'close'
 * event reports the code the peer sent, or 1006 when none came; when this side closed first
 * (ws itself calls `close(1002 | 1007 | 1009)` on the socket after a bad frame, in
 * receiverOnError of ws/lib/websocket.js, and can no longer read the peer's answer) it would say
 * 1006, so this socket's own `close` is wrapped too, to learn the code it sent.
 */
export function watchConnection(
  ws: WebSocket,
  recorder: ConnectionRecorder,
  startedAt: number | undefined,
  gone: (connection: Connection) => void,
): Connection {
  const onClose = new Set<() => void>()
  const state: State = { pending: 0, sentCode: undefined, startedAt }
  let watching = true

  const undos = [
    patchMethod(ws, 'send', (send) =>
      function (this: WebSocket, data: unknown, options?: unknown, cb?: unknown): unknown {
        const open = this.readyState === OPEN
        const result = (send as (d: unknown, o: unknown, c: unknown) => unknown).call(this, data, options, cb)
        if (open && watching) recorder.sent(state, data, options)
        return result
      } as WebSocket['send'],
    ),
    patchMethod(ws, 'close', (close) =>
      function (this: WebSocket, code?: number, data?: string | Buffer): void {
        const open = this.readyState === OPEN
        const result = close.call(this, code, data)
        if (open && watching) state.sentCode ??= code ?? NO_STATUS
        return result
      },
    ),
  ]

  const connection: Connection = {
    ws,
    onClose,
    detach() {
      if (!watching) return
      watching = false
      ws.removeListener('message', recorder.received)
      ws.removeListener(errorMonitor, recorder.errored)
      ws.removeListener('close', onCloseEvent)
      undoAll(undos)
    },
  }

  const onCloseEvent = (code: number): void => {
    recorder.closed(state, code)
    connection.detach()
    gone(connection)
    // Our own callbacks (streams ending as cancelled), each guarded where it records.
    for (const end of onClose) end()
    onClose.clear()
  }

  ws.on('message', recorder.received)
  ws.on(errorMonitor, recorder.errored)
  ws.on('close', onCloseEvent)
  return connection
}
