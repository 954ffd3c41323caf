// An HTTP/1.1 client on raw sockets, for bytes fetch would refuse to send (lower-case and
// non-token methods, bad %-escapes, control bytes in headers, conflicting framing). Connections
// are kept alive between requests; whatever the server does, each request ends in one outcome.
import { connect } from 'node:net'

/**
 * How one request ended.
 * @typedef {{ kind: 'answered', status: number } | { kind: 'closed' | 'reset' | 'timeout' | 'hung-up' | 'refused', status?: undefined }} Outcome
 *   answered: a complete response came (1xx skipped); closed: the server closed the connection
 *   without answering; reset: ECONNRESET or EPIPE before an answer; timeout: neither within the
 *   time allowed; hung-up: we closed the connection on purpose (`hangUpAfterMs`); refused: no connection
 */

/**
 * One request to send.
 * @typedef {{ bytes: Buffer, head?: boolean, fresh?: boolean, hangUpAfterMs?: number }} RawRequest
 *   bytes: the request as sent; head: a HEAD request (its response has no body); fresh: send it on a
 *   connection of its own, closed after it (bytes that may leave a connection out of step);
 *   hangUpAfterMs: close the connection this long after sending, without waiting for an answer
 */

const CRLF2 = Buffer.from('\r\n\r\n')

/**
 * Reads one response from `buffer`: null until it is complete. A response framed by the connection's
 * end (no length, not chunked) is complete only when `ended`.
 * @returns {{ status: number, close: boolean, length: number } | null} length: bytes the response took
 */
export function readResponse(buffer, head, ended = false) {
  let offset = 0
  for (;;) {
    const end = buffer.indexOf(CRLF2, offset)
    if (end === -1) return null
    const lines = buffer.toString('latin1', offset, end).split('\r\n')
    const match = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0])
    if (!match) throw new Error(`not an HTTP response: ${JSON.stringify(lines[0].slice(0, 80))}`)
    const status = Number(match[2])
    const headers = new Map()
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':')
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim().toLowerCase())
    }
    const bodyStart = end + 4
    if (status >= 100 && status < 200 && status !== 101) {
      offset = bodyStart
      continue
    }
    const close = match[1] === '0' ? headers.get('connection') !== 'keep-alive' : headers.get('connection') === 'close'
    if (head || status === 204 || status === 304 || status === 101) return { status, close, length: bodyStart }
    if (headers.get('transfer-encoding')?.includes('chunked')) {
      const length = chunkedLength(buffer, bodyStart)
      return length === null ? null : { status, close, length }
    }
    const contentLength = headers.get('content-length')
    if (contentLength !== undefined) {
      const length = bodyStart + Number(contentLength)
      return buffer.length >= length ? { status, close, length } : null
    }
    return ended ? { status, close: true, length: buffer.length } : null
  }
}

/** Where a chunked body starting at `start` ends (trailers included), or null while incomplete. */
function chunkedLength(buffer, start) {
  let at = start
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', at, 'latin1')
    if (lineEnd === -1) return null
    const size = Number.parseInt(buffer.toString('latin1', at, lineEnd), 16)
    if (Number.isNaN(size)) throw new Error('bad chunk size in a response')
    if (size === 0) {
      const trailersEnd = buffer.indexOf(CRLF2, lineEnd)
      if (buffer.indexOf('\r\n', lineEnd + 2, 'latin1') === lineEnd + 2) return lineEnd + 4
      return trailersEnd === -1 ? null : trailersEnd + 4
    }
    at = lineEnd + 2 + size + 2
    if (buffer.length < at) return null
  }
}

/** A connection that sends one request at a time, reconnecting when the server closed it. */
class Connection {
  constructor(port, timeoutMs) {
    this.port = port
    this.timeoutMs = timeoutMs
    this.socket = undefined
    this.connects = 0
    this.retries = 0
  }

  /** @param {RawRequest} request @returns {Promise<Outcome>} */
  send(request) {
    if (request.fresh) this.drop()
    const reused = this.socket !== undefined && this.socket.writable
    const socket = reused ? this.socket : this.open()
    return new Promise((resolve) => {
      let buffer = Buffer.alloc(0)
      let answered = false
      const finish = (outcome, keep) => {
        if (answered) return
        answered = true
        clearTimeout(timer)
        clearTimeout(hangUp)
        socket.off('data', onData)
        socket.off('end', onEnd)
        socket.off('close', onEnd)
        socket.off('error', onError)
        if (!keep || request.fresh) this.drop(socket)
        // A server may close a kept-alive connection after any answer (Fastify's 400 and 431 for
        // a request it cannot parse say keep-alive, then close): a request that met such a close
        // before a byte came back is sent again, once, on a new connection, as clients do.
        if (reused && buffer.length === 0 && (outcome.kind === 'closed' || outcome.kind === 'reset')) {
          this.retries++
          resolve(this.send({ ...request, fresh: true }))
        } else resolve(outcome)
      }
      const read = (ended) => {
        let response
        try {
          response = readResponse(buffer, request.head, ended)
        } catch {
          return finish({ kind: 'closed' }, false)
        }
        if (response !== null) finish({ kind: 'answered', status: response.status }, !response.close && response.length === buffer.length && !ended)
        else if (ended) finish({ kind: 'closed' }, false)
      }
      const onData = (chunk) => {
        buffer = Buffer.concat([buffer, chunk])
        read(false)
      }
      const onEnd = () => read(true)
      const onError = (error) => {
        if (buffer.length > 0) return read(true)
        finish({ kind: error.code === 'ECONNREFUSED' ? 'refused' : error.code === 'ECONNRESET' || error.code === 'EPIPE' ? 'reset' : 'closed' }, false)
      }
      const timer = setTimeout(() => finish({ kind: 'timeout' }, false), this.timeoutMs)
      const hangUp = request.hangUpAfterMs === undefined ? undefined : setTimeout(() => finish({ kind: 'hung-up' }, false), request.hangUpAfterMs)
      socket.on('data', onData)
      socket.once('end', onEnd)
      socket.once('close', onEnd)
      socket.on('error', onError)
      socket.write(request.bytes)
    })
  }

  open() {
    this.connects++
    const socket = connect({ host: '127.0.0.1', port: this.port, noDelay: true })
    // An error between requests (a reset after the last answer) must not be unhandled.
    socket.on('error', () => {})
    socket.once('close', () => {
      if (this.socket === socket) this.socket = undefined
    })
    this.socket = socket
    return socket
  }

  drop(socket = this.socket) {
    socket?.destroy()
    if (socket === this.socket) this.socket = undefined
  }
}

/**
 * Sends `requests` to 127.0.0.1:`port` over `connections` keep-alive connections, one request
 * at a time on each, and reports every outcome.
 * @param {{ port: number, connections: number, requests: Iterable<RawRequest>, timeoutMs?: number,
 *   onOutcome: (request: RawRequest, outcome: Outcome) => void }} options
 * @returns {Promise<{ connects: number, retries: number }>} connects: connections opened; retries:
 *   requests sent again after the server closed their kept-alive connection before answering
 */
export async function sendAll({ port, connections, requests, timeoutMs = 15_000, onOutcome }) {
  const iterator = requests[Symbol.iterator]()
  const pool = Array.from({ length: connections }, () => new Connection(port, timeoutMs))
  await Promise.all(
    pool.map(async (connection) => {
      for (let next = iterator.next(); !next.done; next = iterator.next()) onOutcome(next.value, await connection.send(next.value))
      connection.drop()
    }),
  )
  return { connects: pool.reduce((sum, c) => sum + c.connects, 0), retries: pool.reduce((sum, c) => sum + c.retries, 0) }
}
