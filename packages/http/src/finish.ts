import { IncomingMessage, type ServerResponse } from 'node:http'

/**
 * Calls `done` exactly once, when the request is over, whatever the outcome.
 *
 * The response's `close` comes after the response was sent, and when the client hangs up
 * first. It never comes for a pipelined request still queued behind another when its socket
 * dies: that one only sees its request's `close`. The request's `close` alone is no signal,
 * though: Node emits it as soon as the body has been read, long before a slow handler
 * answers. So the request's `close` finishes only when the socket is gone.
 * Fastify's `inject` has no socket: there the response's `close` is enough.
 */
export function onRequestDone(req: object, res: ServerResponse, done: () => void): void {
  let pending = true
  const finish = (): void => {
    if (pending) {
      pending = false
      done()
    }
  }
  res.once('close', finish)
  if (req instanceof IncomingMessage) {
    req.once('close', () => {
      if (req.socket === null || req.socket.destroyed) finish()
    })
  }
}

/**
 * The status to record: the response's when it was sent in full, else 499 (the client hung
 * up first). `inject`'s response has no socket to flush to, so there ending it is enough.
 */
export function finalStatus(req: object, res: ServerResponse): number {
  return (req instanceof IncomingMessage ? res.writableFinished : res.writableEnded) ? res.statusCode : 499
}
