import { IncomingMessage, type ServerResponse } from 'node:http'

/**
 * Calls `done` once, when the request is over, whatever the outcome.
 *
 * On node:http the request's `close` is the one event Node emits exactly once in every
 * outcome: after the response ends, when the client hangs up mid-request, and for pipelined
 * requests dropped with their socket (whose responses never emit anything). So one listener
 * gives one finish, with no `onResponse`/`onRequestAbort` pair to reconcile.
 * Other request objects (Fastify's `inject`, HTTP/2 compatibility) close their response
 * instead, so there the response's `close` is used.
 */
export function onRequestDone(req: object, res: ServerResponse, done: () => void): void {
  if (req instanceof IncomingMessage) req.on('close', done)
  else res.on('close', done)
}

/**
 * The status to record: the response's when it was sent in full, else 499 (the client hung
 * up first). `inject`'s response has no socket to flush to, so there ending it is enough.
 */
export function finalStatus(req: object, res: ServerResponse): number {
  return (req instanceof IncomingMessage ? res.writableFinished : res.writableEnded) ? res.statusCode : 499
}
