import { errorMonitor } from 'node:events'
import type { WebSocket } from 'ws'
import { closeCodeLabel, errorCodeLabel } from './labels.js'
import type { ServerSeries } from './metrics.js'

/** Our bookkeeping for one open connection. */
export interface Connection {
  readonly ws: WebSocket
  /** Run once when the connection closes (streams still open end as cancelled). */
  readonly onClose: Set<() => void>
  /** Removes every listener and wrapper this connection got from us. */
  detach(): void
}

const OPEN = 1

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
  return typeof options === 'object' && options !== null && Object.prototype.hasOwnProperty.call(options, 'fin') && !(options as { fin?: unknown }).fin
}

/**
 * Counts one connection's messages (received through a 'message' listener, sent through a wrapper
 * of this socket's own `send`), its errors (through `events.errorMonitor`, so an app with or
 * without an 'error' listener behaves as before) and, when `startedAt` is known, its duration
 * by close code.
 */
export function watchConnection(
  ws: WebSocket,
  series: ServerSeries,
  startedAt: number | undefined,
  admittedCodes: Set<string>,
  fault: (error: unknown) => void,
  gone: (connection: Connection) => void,
): Connection {
  const onClose = new Set<() => void>()
  let pending = 0

  const onMessage = (data: unknown): void => {
    try {
      series.received.inc()
      series.receivedSize.observe(receivedSize(data))
    } catch (error) {
      fault(error)
    }
  }
  const onError = (error: unknown): void => {
    try {
      series.error(errorCodeLabel(error, admittedCodes)).inc()
    } catch (caught) {
      fault(caught)
    }
  }

  const hadOwnSend = Object.prototype.hasOwnProperty.call(ws, 'send')
  const originalSend = ws.send
  const send = function send(this: WebSocket, data: unknown, options?: unknown, cb?: unknown): void {
    const open = this.readyState === OPEN
    const result = (originalSend as (d: unknown, o: unknown, c: unknown) => void).call(this, data, options, cb)
    if (open) {
      try {
        const size = sentSize(data)
        if (isFragment(options)) pending += size
        else {
          series.sent.inc()
          series.sentSize.observe(pending + size)
          pending = 0
        }
      } catch (error) {
        fault(error)
      }
    }
    return result
  } as WebSocket['send']

  const connection: Connection = {
    ws,
    onClose,
    detach() {
      ws.removeListener('message', onMessage)
      ws.removeListener(errorMonitor, onError)
      ws.removeListener('close', onCloseEvent)
      if (ws.send === send) {
        if (hadOwnSend) ws.send = originalSend
        else delete (ws as { send?: unknown }).send
      }
    },
  }

  const onCloseEvent = (code: number): void => {
    try {
      if (startedAt !== undefined) series.duration[closeCodeLabel(code)].observe((performance.now() - startedAt) / 1000)
    } catch (error) {
      fault(error)
    }
    connection.detach()
    gone(connection)
    for (const end of onClose) {
      try {
        end()
      } catch (error) {
        fault(error)
      }
    }
    onClose.clear()
  }

  ws.on('message', onMessage)
  ws.on(errorMonitor, onError)
  ws.on('close', onCloseEvent)
  ws.send = send
  return connection
}
