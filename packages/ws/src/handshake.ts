import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { WebSocket, WebSocketServer } from 'ws'
import { wsFailureReasons as REASONS, type WsFailureReason } from '@intervai/metrics-catalog'
import type { Metrics } from '@intervai/metrics-core'
import { patchMethod, undoAll } from '@intervai/metrics-core/internal'
import { COMPONENT } from './metrics.js'

/** What the handshake watcher reports. Both are called at most once per upgrade attempt, and must not throw. */
export interface HandshakeHooks {
  opened(ws: WebSocket, req: IncomingMessage): void
  failed(reason: WsFailureReason): void
}

/** What `watchHandshakes` returns. */
export interface HandshakeWatch {
  /**
   * Takes the counting of an upgrade request that is not ws's to count (it has not reached
   * `handleUpgrade`): true once, and ws will not count it if it gets there later; false when
   * ws has it already.
   */
  claim(req: IncomingMessage): boolean
  /** Restores whatever is still ours. */
  undo(): void
}

interface Attempt {
  readonly req: IncomingMessage
  readonly socket: Duplex
  /** The socket was open when the upgrade began. */
  readonly wasOpen: boolean
  /** Counted already, as opened or failed. */
  done: boolean
  /** A reason found while ws ran its checks (headers, shouldHandle, a sync verifyClient). */
  reason: WsFailureReason | undefined
  /** An async verifyClient has not answered yet. */
  verifying: boolean
  /** verifyClient said yes, so ws went on to complete the upgrade. */
  verified: boolean
  onSocketClose: (() => void) | undefined
}

type HandleUpgrade = WebSocketServer['handleUpgrade']
type ShouldHandle = WebSocketServer['shouldHandle']
type VerifyCallback = (verified: boolean, code?: number, message?: string, headers?: unknown) => void
type VerifyClient = ((info: unknown) => unknown) | ((info: unknown, callback: VerifyCallback) => void)

// The same checks, in the same order, as WebSocketServer#handleUpgrade in ws/lib/websocket-server.js:
// ws reports these only through 'wsClientError', and listening to that event changes ws's answer.
const KEY = /^[+/0-9A-Za-z]{22}==$/

/** The reason ws will reject this request's headers with, if it will. */
export function headerFault(req: IncomingMessage): WsFailureReason | undefined {
  if (req.method !== 'GET') return REASONS.invalidMethod
  const upgrade = req.headers.upgrade
  if (typeof upgrade !== 'string' || upgrade.toLowerCase() !== 'websocket') return REASONS.invalidUpgrade
  const key = req.headers['sec-websocket-key']
  if (typeof key !== 'string' || !KEY.test(key)) return REASONS.invalidKey
  const version = Number(req.headers['sec-websocket-version'])
  if (version !== 13 && version !== 8) return REASONS.invalidVersion
  return undefined
}

const isOpen = (socket: Duplex): boolean => socket.readable && socket.writable

/**
 * Watches every upgrade attempt of `wss` and reports it exactly once, as opened or failed with a
 * bounded reason. ws emits nothing for most failures, so this wraps, on this one instance only,
 * `handleUpgrade` (every way of serving ends there), `shouldHandle`, `options.verifyClient` and
 * `close`. Our own bookkeeping is guarded by `metrics.safely`: a failure in it is counted and
 * the upgrade goes on as without us.
 */
export function watchHandshakes(wss: WebSocketServer, metrics: Metrics, hooks: HandshakeHooks): HandshakeWatch {
  let active = true
  let current: Attempt | undefined
  let closing = false
  // Every upgrade request counted, here or by whoever claimed it: each is counted once.
  const counted = new WeakSet<IncomingMessage>()
  const options = (wss as { options?: { verifyClient?: unknown } }).options
  const verifyWrapped = typeof options?.verifyClient === 'function'

  const detach = (attempt: Attempt): void => {
    if (attempt.onSocketClose === undefined) return
    attempt.socket.removeListener('close', attempt.onSocketClose)
    attempt.onSocketClose = undefined
  }
  const fail = (attempt: Attempt, reason: WsFailureReason): void => {
    if (attempt.done) return
    attempt.done = true
    detach(attempt)
    if (active) hooks.failed(reason)
  }
  const begin = metrics.safely(COMPONENT, (req: IncomingMessage, socket: Duplex): Attempt | undefined => {
    if (counted.has(req)) return undefined
    counted.add(req)
    const reason = headerFault(req)
    return { req, socket, wasOpen: isOpen(socket), done: false, reason, verifying: false, verified: false, onSocketClose: undefined }
  })
  // Called once ws's synchronous part is over and the upgrade neither completed nor waits for an
  // async verifyClient: ws has answered (or destroyed the socket), and we tell which check it was.
  const settle = metrics.safely(COMPONENT, (attempt: Attempt): void => {
    if (attempt.done) return
    if (attempt.verifying) {
      // An async verifyClient may never answer; if the client leaves meanwhile, that is the failure.
      attempt.onSocketClose = () => fail(attempt, REASONS.clientClosed)
      attempt.socket.once('close', attempt.onSocketClose)
    } else if (attempt.reason !== undefined) fail(attempt, attempt.reason)
    else if (!attempt.wasOpen) fail(attempt, REASONS.clientClosed)
    else if (attempt.verified || (!verifyWrapped && closing)) fail(attempt, REASONS.serverClosing)
    else fail(attempt, REASONS.invalidHeader)
  })

  const undos = [
    patchMethod(wss, 'handleUpgrade', (original: HandleUpgrade): HandleUpgrade =>
      function handleUpgrade(this: WebSocketServer, req, socket, head, callback) {
        const attempt = active ? begin(req, socket) : undefined
        if (attempt === undefined) return original.call(this, req, socket, head, callback)
        const outer = current
        current = attempt
        try {
          original.call(this, req, socket, head, (ws, request) => {
            if (!attempt.done) {
              attempt.done = true
              detach(attempt)
              if (active) hooks.opened(ws, request)
            }
            callback(ws, request)
          })
        } finally {
          current = outer
        }
        settle(attempt)
      },
    ),
    patchMethod(wss, 'shouldHandle', (original: ShouldHandle): ShouldHandle =>
      function shouldHandle(this: WebSocketServer, req) {
        const handled = original.call(this, req)
        // Only a refusal inside our handleUpgrade is a failure: apps routing several servers call it too.
        if (!handled && current !== undefined && current.req === req) current.reason ??= REASONS.pathMismatch
        return handled
      },
    ),
    patchMethod(wss, 'close', (original: WebSocketServer['close']): WebSocketServer['close'] =>
      function close(this: WebSocketServer, cb) {
        closing = true
        return original.call(this, cb)
      },
    ),
  ]

  const verifyClient = options?.verifyClient
  if (options !== undefined && typeof verifyClient === 'function') {
    const original = verifyClient as VerifyClient
    // ws tells a sync verifyClient from an async one by its arity, so the wrapper keeps it.
    const wrapped =
      original.length === 2
        ? function verifyClient(this: unknown, info: unknown, callback: VerifyCallback): void {
            const attempt = active ? current : undefined
            if (attempt === undefined) return (original as (i: unknown, c: VerifyCallback) => void).call(this, info, callback)
            attempt.verifying = true
            ;(original as (i: unknown, c: VerifyCallback) => void).call(this, info, (verified, code, message, headers) => {
              if (attempt.done) return callback(verified, code, message, headers)
              attempt.verifying = false
              if (!verified) {
                fail(attempt, REASONS.rejected)
                return callback(verified, code, message, headers)
              }
              attempt.verified = true
              const wasOpen = isOpen(attempt.socket)
              callback(verified, code, message, headers)
              if (!attempt.done) fail(attempt, wasOpen ? REASONS.serverClosing : REASONS.clientClosed)
            })
          }
        : function verifyClient(this: unknown, info: unknown): unknown {
            const verified = (original as (i: unknown) => unknown).call(this, info)
            const attempt = active ? current : undefined
            if (attempt !== undefined) {
              if (verified) attempt.verified = true
              else attempt.reason ??= REASONS.rejected
            }
            return verified
          }
    undos.push(patchMethod(options, 'verifyClient', () => wrapped))
  }

  return {
    claim(req) {
      if (counted.has(req)) return false
      counted.add(req)
      return true
    },
    undo() {
      active = false
      undoAll(undos)
    },
  }
}
