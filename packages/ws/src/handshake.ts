import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { WebSocket, WebSocketServer } from 'ws'
import { WS_FAILURE_REASONS as REASONS, type WsFailureReason } from './labels.js'

/** What the handshake watcher reports. Both are called at most once per upgrade attempt. */
export interface HandshakeHooks {
  opened(ws: WebSocket, req: IncomingMessage): void
  failed(reason: WsFailureReason): void
  /** Called with an error of our own bookkeeping (never one of ws or the app). */
  fault(error: unknown): void
}

interface Attempt {
  readonly req: IncomingMessage
  readonly socket: Duplex
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
 * `close`. Returns the undo, which restores whatever is still ours.
 */
export function watchHandshakes(wss: WebSocketServer, hooks: HandshakeHooks): () => void {
  let active = true
  let current: Attempt | undefined
  let closing = false
  const undo: Array<() => void> = []
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
  // Called once ws's synchronous part is over and the upgrade neither completed nor waits for an
  // async verifyClient: ws has answered (or destroyed the socket), and we tell which check it was.
  const settle = (attempt: Attempt, wasOpen: boolean, verify: boolean): void => {
    if (attempt.done || attempt.verifying) return
    if (attempt.reason !== undefined) fail(attempt, attempt.reason)
    else if (!wasOpen) fail(attempt, REASONS.clientClosed)
    else if (attempt.verified || (!verify && closing)) fail(attempt, REASONS.serverClosing)
    else fail(attempt, REASONS.invalidHeader)
  }

  const handleUpgrade = own(wss, 'handleUpgrade', (original: HandleUpgrade): HandleUpgrade =>
    function handleUpgrade(this: WebSocketServer, req, socket, head, callback) {
      if (!active) return original.call(this, req, socket, head, callback)
      let attempt: Attempt | undefined
      let wasOpen = true
      try {
        attempt = { req, socket, done: false, reason: headerFault(req), verifying: false, verified: false, onSocketClose: undefined }
        wasOpen = isOpen(socket)
      } catch (error) {
        hooks.fault(error)
      }
      if (attempt === undefined) return original.call(this, req, socket, head, callback)
      const started = attempt
      const outer = current
      current = started
      try {
        original.call(this, req, socket, head, (ws, request) => {
          if (!started.done) {
            started.done = true
            detach(started)
            if (active) hooks.opened(ws, request)
          }
          callback(ws, request)
        })
      } finally {
        current = outer
      }
      try {
        settle(started, wasOpen, verifyWrapped)
        if (!started.done && started.verifying) {
          // An async verifyClient may never answer; if the client leaves meanwhile, that is the failure.
          started.onSocketClose = () => fail(started, REASONS.clientClosed)
          socket.once('close', started.onSocketClose)
        }
      } catch (error) {
        hooks.fault(error)
      }
    },
  )
  undo.push(handleUpgrade)

  undo.push(
    own(wss, 'shouldHandle', (original: ShouldHandle): ShouldHandle =>
      function shouldHandle(this: WebSocketServer, req) {
        const handled = original.call(this, req)
        // Only a refusal inside our handleUpgrade is a failure: apps routing several servers call it too.
        if (!handled && current !== undefined && current.req === req) current.reason ??= REASONS.pathMismatch
        return handled
      },
    ),
  )

  undo.push(
    own(wss, 'close', (original: WebSocketServer['close']): WebSocketServer['close'] =>
      function close(this: WebSocketServer, cb) {
        closing = true
        return original.call(this, cb)
      },
    ),
  )

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
    options.verifyClient = wrapped
    undo.push(() => {
      if (options.verifyClient === wrapped) options.verifyClient = original
    })
  }

  return () => {
    active = false
    for (const restore of undo.reverse()) restore()
  }
}

/**
 * Replaces a method on this one object (never its prototype) with `wrap(original)`; the undo
 * puts back what was there, if the method is still ours. Once undone, a wrapper someone else
 * kept a reference to only passes calls through (each wrapper checks `active`).
 */
function own<T extends object, K extends keyof T>(target: T, key: K, wrap: (original: T[K]) => T[K]): () => void {
  const hadOwn = Object.prototype.hasOwnProperty.call(target, key)
  const previous = target[key]
  const wrapper = wrap(previous)
  target[key] = wrapper
  return () => {
    if (target[key] !== wrapper) return
    if (hadOwn) target[key] = previous
    else delete target[key]
  }
}
