import type { IncomingMessage, ServerResponse } from 'node:http'
import { pathOf, sendAnswer } from './responder.js'
import { openStatus } from './status.js'
import type { StatusPageOptions } from './types.js'

/** Options of `expressStatusPage`. */
export interface ExpressStatusPageOptions extends StatusPageOptions {}

/** The middleware `expressStatusPage` returns; `close()` stops its sampling (Express has no close hook). */
export interface ExpressStatusPage {
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void
  /** Stops sampling (the timer is unref'ed, so it never keeps the process alive meanwhile). */
  close(): void
}

/**
 * Express middleware serving the live status page at `path` (default `/status`) and its JSON
 * at `<path>/data`; every other request goes on. Mount it before `expressHttpMetrics` so its
 * requests are not counted as the app's traffic.
 */
export function expressStatusPage(options: ExpressStatusPageOptions = {}): ExpressStatusPage {
  const status = openStatus(options)
  const { responder } = status
  const middleware = ((req, res, next) => {
    responder.answer(req.method, pathOf(req.url), req.headers).then((answer) => {
      if (answer === undefined) next()
      else sendAnswer(req, res, answer)
    }, next)
  }) as ExpressStatusPage
  middleware.close = () => status.close()
  return middleware
}
