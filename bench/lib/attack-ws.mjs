// The WebSocket side of `npm run attack`: well-behaved clients (messages, streams named by the
// client, every way of closing), bad handshakes and broken frames on raw sockets, and a set of
// clients held open while the live count is compared. It tallies what the clients did, so the
// attack can hold the server's counts to it.
import WebSocket from 'ws'
import { hostileName } from './attack-requests.mjs'
import { badHandshake, brokenFrame, FRAME_KINDS, HANDSHAKE_KINDS } from './raw-ws.mjs'

/** How many of each at `--scale 1`. */
export const WS_COUNTS = { clients: 1_000, handshakes: 3_000, frames: 3_000, live: 50 }

// How the well-behaved clients close, and the close_code each must be recorded under.
const CLOSINGS = [
  { code: 1000, expect: '1000' },
  { code: 1001, expect: '1001' },
  { code: 4000, expect: 'other' },
  { code: 3001, expect: 'other' },
  { code: undefined, expect: '1005' },
  { terminate: true, expect: '1006' },
]
const STREAM_ENDS = ['ok', 'error', 'open']
const OUTCOME_OF_END = { ok: 'ok', error: 'error', open: 'cancelled' }

/**
 * What the WebSocket clients did and saw.
 * @typedef {{
 *   upgraded: number, hangUps: number, messagesSent: number, messagesReceived: number,
 *   streams: Record<'ok' | 'error' | 'cancelled', number>,
 *   failures: Record<string, number>, closeCodes: Record<string, { min: number, max: number }>,
 *   errors: Record<string, number>, handshakeStatuses: Record<string, number>, serverCloseCodes: Record<string, number>,
 *   problems: string[],
 * }} WsTally
 *   upgraded: handshakes the clients saw answered 101; hangUps: valid requests whose client hung up at
 *   once (each is opened or failed as client_closed); failures: expected count per failure reason;
 *   closeCodes: the least and most connections each close_code may hold; errors: expected
 *   ws_errors_total per code; serverCloseCodes: the codes of the close frames the server sent after
 *   a broken frame; problems: anything a client saw that it should not have (no answer, an error)
 */

/** @returns {WsTally} */
export function emptyWsTally() {
  return { upgraded: 0, hangUps: 0, messagesSent: 0, messagesReceived: 0, streams: { ok: 0, error: 0, cancelled: 0 }, failures: {}, closeCodes: {}, errors: {}, handshakeStatuses: {}, serverCloseCodes: {}, problems: [] }
}

const add = (record, key, n = 1) => (record[key] = (record[key] ?? 0) + n)
const expectClose = (tally, code, min, max = min) => {
  const range = (tally.closeCodes[code] ??= { min: 0, max: 0 })
  range.min += min
  range.max += max
}

/** Runs `task(i)` for i in 0..n-1, at most `limit` at a time. */
export async function inParallel(n, limit, task) {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await task(next++)
    }),
  )
}

/** One well-behaved client: three messages (text, binary, a stream start), waits for every answer, then closes its way. */
function wellBehaved(url, i, tally) {
  const closing = CLOSINGS[i % CLOSINGS.length]
  const end = STREAM_ENDS[i % STREAM_ENDS.length]
  const expected = end === 'open' ? 3 : 4
  return new Promise((resolve) => {
    const socket = new WebSocket(url)
    let received = 0
    const timer = setTimeout(() => {
      tally.problems.push(`client ${i}: ${received} of ${expected} answers after 15 s`)
      socket.terminate()
    }, 15_000)
    socket.on('upgrade', () => tally.upgraded++)
    socket.on('open', () => {
      socket.send(`hello ${i}`)
      socket.send(Buffer.from([i & 0xff, 1, 2, 3]))
      socket.send(`stream:${hostileName(i)}:${end}`)
      tally.messagesSent += 3
    })
    socket.on('message', () => {
      received++
      tally.messagesReceived++
      if (received < expected) return
      if (closing.terminate) socket.terminate()
      else socket.close(closing.code)
    })
    socket.on('error', (error) => tally.problems.push(`client ${i}: ${error.message}`))
    socket.on('close', () => {
      clearTimeout(timer)
      tally.streams[OUTCOME_OF_END[end]]++
      expectClose(tally, closing.expect, 1)
      resolve()
    })
  })
}

/**
 * The WebSocket attack on 127.0.0.1:`port` at a scale; `onProgress(done)` after each connection.
 * `whileLive(count)` runs while `count` clients are held open (the live-count comparison).
 * @returns {Promise<WsTally>}
 */
export async function attackWebSockets({ port, scale, concurrency = 16, onProgress = () => {}, whileLive }) {
  const tally = emptyWsTally()
  const count = (full) => Math.max(1, Math.round(full * scale))
  const url = `ws://127.0.0.1:${port}/ws`

  await inParallel(count(WS_COUNTS.clients), concurrency, async (i) => {
    await wellBehaved(url, i, tally)
    onProgress()
  })

  const handshakeKinds = Object.keys(HANDSHAKE_KINDS)
  await inParallel(count(WS_COUNTS.handshakes), concurrency, async (i) => {
    const kind = handshakeKinds[i % handshakeKinds.length]
    const { reason } = HANDSHAKE_KINDS[kind]
    const result = await badHandshake(port, kind)
    add(tally.handshakeStatuses, `${kind}: ${result.status ?? 'no answer'}`)
    if (result.end === 'timeout') tally.problems.push(`bad handshake (${kind}): no answer and no close within 10 s`)
    if (reason === 'opened-or-client_closed') {
      tally.hangUps++
      // Opened (then closed by the hang-up, 1006) or failed as client_closed.
      expectClose(tally, '1006', 0, 1)
    } else if (reason !== null) add(tally.failures, reason)
    onProgress()
  })

  const frameKinds = Object.keys(FRAME_KINDS)
  await inParallel(count(WS_COUNTS.frames), concurrency, async (i) => {
    const kind = frameKinds[i % frameKinds.length]
    const result = await brokenFrame(port, kind)
    if (!result.opened) tally.problems.push(`broken frame (${kind}): the handshake was not answered 101`)
    else {
      tally.upgraded++
      const spec = FRAME_KINDS[kind]
      expectClose(tally, spec.closeCode, 1)
      add(tally.errors, spec.error)
      add(tally.serverCloseCodes, `${kind}: ${result.closeCode ?? 'none'}`)
      if (String(result.closeCode) !== spec.closeCode) tally.problems.push(`broken frame (${kind}): the server closed with ${result.closeCode ?? 'no close frame'}, not ${spec.closeCode}`)
    }
    if (result.end === 'timeout') tally.problems.push(`broken frame (${kind}): no close within 10 s`)
    onProgress()
  })

  const live = count(WS_COUNTS.live)
  const sockets = await Promise.all(
    Array.from({ length: live }, () => new Promise((resolve, reject) => {
      const socket = new WebSocket(url)
      socket.once('open', () => resolve(socket))
      socket.once('error', reject)
    })),
  )
  tally.upgraded += live
  await whileLive?.(live)
  await Promise.all(sockets.map((socket) => new Promise((resolve) => {
    socket.once('close', resolve)
    socket.close(1000)
  })))
  expectClose(tally, '1000', live)
  return tally
}
