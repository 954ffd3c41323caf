// WebSocket attacks on raw sockets: handshakes ws must refuse, and frames it must close the
// connection for (RFC 6455 section 5). Each attempt reports what the client saw.
import { randomBytes } from 'node:crypto'
import { connect } from 'node:net'
import { wsFailureReasons as REASONS } from '@intervai/metrics-catalog'

/**
 * Bad handshakes, with the `reason` of `ws_connection_failures_total` each must be counted under:
 * `null` when the request is not an upgrade ws sees (counted nowhere), `'opened-or-client_closed'`
 * for a client that hangs up right after a valid request (ws may finish first).
 */
export const HANDSHAKE_KINDS = {
  'bad version': { reason: REASONS.invalidVersion, headers: { 'Sec-WebSocket-Version': '12' } },
  'bad key': { reason: REASONS.invalidKey, headers: { 'Sec-WebSocket-Key': 'not-a-key' } },
  'no key': { reason: REASONS.invalidKey, headers: { 'Sec-WebSocket-Key': null } },
  'wrong path': { reason: REASONS.pathMismatch, path: '/nope' },
  'bad upgrade': { reason: REASONS.invalidUpgrade, headers: { Upgrade: 'websockets' } },
  'POST method': { reason: REASONS.invalidMethod, method: 'POST' },
  'bad subprotocol': { reason: REASONS.invalidHeader, headers: { 'Sec-WebSocket-Protocol': 'chat,,x y' } },
  'no upgrade header': { reason: null, headers: { Upgrade: null, Connection: null } },
  'garbage then close': { reason: null, garbage: true },
  'hang-up after request': { reason: 'opened-or-client_closed', hangUp: true },
}

const RESERVED = [0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf]

/**
 * Frames ws must refuse after a good handshake, with the close code it must send (and the
 * `close_code` of `ws_connection_duration_seconds`) and the `code` of `ws_errors_total`.
 */
export const FRAME_KINDS = {
  'reserved opcode': { closeCode: '1002', error: 'WS_ERR_INVALID_OPCODE', frame: () => frame({ opcode: 0x3, payload: Buffer.from('x') }) },
  'bad UTF-8': { closeCode: '1007', error: 'WS_ERR_INVALID_UTF8', frame: () => frame({ opcode: 0x1, payload: Buffer.from([0x68, 0xff, 0xfe, 0xc0, 0xaf]) }) },
  'unmasked client frame': { closeCode: '1002', error: 'WS_ERR_EXPECTED_MASK', frame: () => frame({ opcode: 0x1, payload: Buffer.from('hi'), mask: false }) },
  'over maxPayload': { closeCode: '1009', error: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH', frame: () => frame({ opcode: 0x2, payload: Buffer.alloc(0), length: 1024 * 1024 }) },
  'RSV1 without extension': { closeCode: '1002', error: 'WS_ERR_UNEXPECTED_RSV_1', frame: () => frame({ opcode: 0x1, payload: Buffer.from('x'), rsv: 0x40 }) },
  'invalid close code': { closeCode: '1002', error: 'WS_ERR_INVALID_CLOSE_CODE', frame: () => frame({ opcode: 0x8, payload: Buffer.from([0x03, 0xe7]) }) },
  'control frame over 125 bytes': { closeCode: '1002', error: 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', frame: () => frame({ opcode: 0x9, payload: Buffer.alloc(126) }) },
  'fragmented control frame': { closeCode: '1002', error: 'WS_ERR_EXPECTED_FIN', frame: () => frame({ opcode: 0x9, payload: Buffer.from('p'), fin: false }) },
  // Random bytes behind a first byte with a reserved opcode, so that they never parse as a message.
  garbage: { closeCode: '1002', error: 'WS_ERR_INVALID_OPCODE', frame: () => Buffer.concat([Buffer.from([0x80 | RESERVED[randomBytes(1)[0] % RESERVED.length]]), randomBytes(20 + (randomBytes(1)[0] % 180))]) },
}

/**
 * A client frame. `length` announces a payload length other than the payload's (a frame over
 * maxPayload needs only its header).
 */
export function frame({ opcode, payload, fin = true, rsv = 0, mask = true, length = payload.length }) {
  const header = [(fin ? 0x80 : 0) | rsv | opcode]
  const maskBit = mask ? 0x80 : 0
  if (length < 126) header.push(maskBit | length)
  else if (length < 65536) header.push(maskBit | 126, length >> 8, length & 0xff)
  else header.push(maskBit | 127, 0, 0, 0, 0, (length >>> 24) & 0xff, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff)
  if (!mask) return Buffer.concat([Buffer.from(header), payload])
  const key = randomBytes(4)
  const masked = Buffer.from(payload.map((byte, i) => byte ^ key[i % 4]))
  return Buffer.concat([Buffer.from(header), key, masked])
}

/** The bytes of an upgrade request; a header set to null is left out. */
export function handshakeBytes({ path = '/ws', method = 'GET', headers = {} } = {}) {
  const all = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Version': '13',
    ...headers,
  }
  const lines = [`${method} ${path} HTTP/1.1`, ...Object.entries(all).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`)]
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1')
}

/**
 * A raw socket that collects what the server sends, and settles when it closes (or after `timeoutMs`).
 * @returns {{ socket: import('node:net').Socket, received: () => Buffer, closed: Promise<'closed' | 'reset' | 'timeout'> }}
 */
function rawSocket(port, timeoutMs) {
  const socket = connect({ host: '127.0.0.1', port, noDelay: true })
  let data = Buffer.alloc(0)
  socket.on('data', (chunk) => (data = Buffer.concat([data, chunk])))
  const closed = new Promise((resolve) => {
    let how = 'closed'
    const timer = setTimeout(() => {
      how = 'timeout'
      socket.destroy()
    }, timeoutMs)
    socket.on('error', (error) => (how = error.code === 'ECONNRESET' || error.code === 'EPIPE' ? 'reset' : 'closed'))
    socket.once('close', () => {
      clearTimeout(timer)
      resolve(how)
    })
  })
  return { socket, received: () => data, closed }
}

/** The status of the HTTP response at the start of `data`, or undefined. */
function statusOf(data) {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(data.toString('latin1', 0, 20))
  return match ? Number(match[1]) : undefined
}

/**
 * One bad handshake.
 * @returns {Promise<{ kind: string, status: number | undefined, end: 'closed' | 'reset' | 'timeout' }>} status:
 *   the answer's (101 if ws completed the upgrade), undefined if none came
 */
export async function badHandshake(port, kind, timeoutMs = 10_000) {
  const spec = HANDSHAKE_KINDS[kind]
  const { socket, received, closed } = rawSocket(port, timeoutMs)
  if (spec.garbage) {
    socket.end(Buffer.concat([Buffer.from('GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n'), randomBytes(64)]))
  } else if (spec.hangUp) {
    socket.write(handshakeBytes(), () => socket.destroy())
  } else {
    socket.write(handshakeBytes(spec))
    // ws answers and closes; a 426 from the plain HTTP side may keep the connection open.
    const wait = setInterval(() => {
      if (received().includes('\r\n\r\n')) socket.end()
    }, 5)
    closed.then(() => clearInterval(wait))
  }
  const end = await closed
  return { kind, status: statusOf(received()), end }
}

/**
 * A good handshake, then one frame ws must refuse; waits for ws's close frame, then closes.
 * @returns {Promise<{ kind: string, opened: boolean, closeCode: number | undefined, end: 'closed' | 'reset' | 'timeout' }>}
 *   closeCode: the code of the close frame the server sent, if any
 */
export async function brokenFrame(port, kind, timeoutMs = 10_000) {
  const { socket, received, closed } = rawSocket(port, timeoutMs)
  socket.write(handshakeBytes())
  let sent = false
  let headEnd = -1
  const poll = setInterval(() => {
    const data = received()
    if (headEnd === -1) headEnd = data.indexOf('\r\n\r\n')
    if (headEnd === -1) return
    if (!sent) {
      sent = true
      if (statusOf(data) !== 101) return void socket.end()
      socket.write(FRAME_KINDS[kind].frame())
      return
    }
    if (closeCodeOf(data, headEnd + 4) !== undefined) socket.end()
  }, 2)
  const end = await closed
  clearInterval(poll)
  const data = received()
  return { kind, opened: statusOf(data) === 101, closeCode: headEnd === -1 ? undefined : closeCodeOf(data, headEnd + 4), end }
}

/** The code of the first close frame among the server's frames from `offset`, if one arrived whole. */
function closeCodeOf(data, offset) {
  let at = offset
  while (at + 2 <= data.length) {
    const opcode = data[at] & 0x0f
    let length = data[at + 1] & 0x7f
    let start = at + 2
    if (length === 126) {
      length = data.readUInt16BE(at + 2)
      start += 2
    } else if (length === 127) return undefined
    if (start + length > data.length) return undefined
    if (opcode === 0x8) return length >= 2 ? data.readUInt16BE(start) : 1005
    at = start + length
  }
  return undefined
}
