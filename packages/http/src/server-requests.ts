import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { IncomingMessage, ServerResponse } from 'node:http'

// Published by node:http for every request a server parses, before its 'request' listeners
// run (node/lib/_http_server.js), so it sees requests a framework answers before any hook.
const REQUEST_START = 'http.server.request.start'

interface RequestStart {
  request: IncomingMessage
  response: ServerResponse
  server: object
}

type Start = (req: IncomingMessage, res: ServerResponse) => unknown

const watched = new Map<object, Start>()

// One subscriber for every watched server: each request costs one lookup, whatever the count.
function onRequestStart(message: unknown): void {
  const start = watched.get((message as RequestStart).server)
  if (start !== undefined) start((message as RequestStart).request, (message as RequestStart).response)
}

/**
 * Calls `start` for every request `server` receives, before the server's 'request' listeners.
 * The channel is subscribed while at least one server is watched. Returns the undo.
 */
export function watchServerRequests(server: object, start: Start): () => void {
  if (watched.size === 0) subscribe(REQUEST_START, onRequestStart)
  watched.set(server, start)
  return () => {
    if (watched.get(server) !== start) return
    watched.delete(server)
    if (watched.size === 0) unsubscribe(REQUEST_START, onRequestStart)
  }
}
