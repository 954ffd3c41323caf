import type { IncomingMessage, ServerResponse } from 'node:http'
import { pathOf, sendAnswer } from './responder.js'
import { openStatus } from './status.js'
import type { StatusPageOptions } from './types.js'

/** A node:http handler. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void

/** The routes `statusRoutes` returns, for `metrics.serve({ routes })`; `close()` (not enumerable) stops sampling. */
export type StatusRoutes = Record<string, NodeHandler> & { readonly close: () => void }

/**
 * The page and its data as routes of the standalone metrics server:
 * `metrics.serve({ routes: statusRoutes({ metrics }) })` serves `/status` and `/status/data`
 * beside `/metrics`, behind the server's `auth` (and this page's own, when given).
 */
export function statusRoutes(options: StatusPageOptions = {}): StatusRoutes {
  const status = openStatus(options)
  const { responder } = status
  const handler: NodeHandler = (req, res) => {
    responder.answer(req.method, pathOf(req.url), req.headers).then(
      (answer) => sendAnswer(req, res, answer ?? { status: 404, headers: {}, body: undefined }),
      () => sendAnswer(req, res, { status: 500, headers: {}, body: undefined }),
    )
  }
  const routes = { [responder.path]: handler, [responder.dataPath]: handler }
  Object.defineProperty(routes, 'close', { value: () => status.close(), enumerable: false })
  return routes as StatusRoutes
}
