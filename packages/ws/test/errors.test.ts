import { execFile, execFileSync } from 'node:child_process'
import { once } from 'node:events'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { WebSocket } from 'ws'
import { instrumentWebSocketServer } from '../src/index.js'
import { invalidFrames, MAX_PAYLOAD } from './frames.js'
import { connectRaw, freshMetrics, scrape, startWss, until, upgradeHeaders } from './support.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface Seen {
  errors: string[]
  closeCode: number
}

// What the app sees when a client sends `frame`: the errors its 'error' listener got and the close code.
async function appSees(frame: Buffer, instrument: boolean): Promise<{ seen: Seen; value: Awaited<ReturnType<typeof scrape>> }> {
  const metrics = freshMetrics()
  const { wss, url, stop } = await startWss({ maxPayload: MAX_PAYLOAD })
  const handle = instrument ? instrumentWebSocketServer(wss, { metrics }) : undefined
  cleanups.push(stop, () => handle?.close())
  const seen: Seen = { errors: [], closeCode: 0 }
  const closed = new Promise<void>((resolve) =>
    wss.on('connection', (ws: WebSocket) => {
      ws.on('error', (error: Error & { code?: string }) => seen.errors.push(error.code ?? error.message))
      ws.on('close', (code) => {
        seen.closeCode = code
        resolve()
      })
    }),
  )
  const { socket } = await connectRaw(url)
  socket.write(frame)
  await closed
  return { seen, value: await scrape(metrics) }
}

describe('errors after open', () => {
  for (const { name, frame, code } of invalidFrames) {
    it(`counts ${name} as ${code} and leaves the app's error and close code as without instrumentation`, async () => {
      const bare = await appSees(frame, false)
      const ours = await appSees(frame, true)
      expect(bare.seen.errors).toEqual([code])
      expect(ours.seen).toEqual(bare.seen)
      expect(ours.value('ws_errors_total', { server: 'default', code })).toBe(1)
    })
  }

  for (const { name, frame, closeCode } of invalidFrames) {
    it(`records close_code ${closeCode}, the code our server closed with after ${name}, where ws's close event says 1006`, async () => {
      const metrics = freshMetrics()
      const { wss, url, stop } = await startWss({ maxPayload: MAX_PAYLOAD })
      const handle = instrumentWebSocketServer(wss, { metrics })
      cleanups.push(stop, () => handle.close())
      const serverClosed = new Promise<number>((resolve) =>
        wss.on('connection', (ws: WebSocket) => {
          ws.on('error', () => {})
          ws.on('close', (code) => resolve(code))
        }),
      )
      const { ws: client, socket } = await connectRaw(url)
      const clientClosed = once(client, 'close')
      socket.write(frame)
      const [sent] = (await clientClosed) as [number]
      expect(sent).toBe(closeCode)
      expect(await serverClosed).toBe(1006)
      const value = await scrape(metrics)
      expect(value('ws_connection_duration_seconds_count', { server: 'default', close_code: String(closeCode) })).toBe(1)
      expect(value('ws_connection_duration_seconds_count', { server: 'default', close_code: '1006' })).toBe(0)
    })
  }

  it('records the code the app closed with when the client never answers the close frame', async () => {
    const metrics = freshMetrics()
    const { wss, port, stop } = await startWss()
    const handle = instrumentWebSocketServer(wss, { metrics })
    cleanups.push(stop, () => handle.close())
    const serverClosed = new Promise<number>((resolve) =>
      wss.on('connection', (ws: WebSocket) => {
        ws.on('close', (code) => resolve(code))
        ws.close(1008)
      }),
    )
    // A bare TCP client: it upgrades, reads the server's close frame, and hangs up without answering it.
    const socket = net.connect(port, '127.0.0.1')
    socket.on('error', () => {})
    let received = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      const frame = received.subarray(received.indexOf('\r\n\r\n') + 4)
      if (frame.length >= 4 && frame[0] === 0x88) socket.destroy()
    })
    socket.write(upgradeHeaders('/'))
    expect(await serverClosed).toBe(1006)
    const value = await scrape(metrics)
    expect(value('ws_connection_duration_seconds_count', { server: 'default', close_code: '1008' })).toBe(1)
    expect(value('ws_connection_duration_seconds_count', { server: 'default', close_code: '1006' })).toBe(0)
  })

  it('counts a recording failure in instrumentation_errors_total and still hands the error to the app', async () => {
    const metrics = freshMetrics()
    const { wss, url, stop } = await startWss()
    const handle = instrumentWebSocketServer(wss, { metrics })
    cleanups.push(stop, () => handle.close())
    const connected = once(wss, 'connection')
    await connectRaw(url)
    const [ws] = (await connected) as [WebSocket]
    const seen: unknown[] = []
    ws.on('error', (error) => seen.push(error))
    const hostile = Object.defineProperty(new Error('hostile'), 'code', {
      get() {
        throw new Error('no code for you')
      },
    })
    expect(() => ws.emit('error', hostile)).not.toThrow()
    expect(seen).toEqual([hostile])
    const value = await scrape(metrics)
    expect(value('instrumentation_errors_total', { component: 'ws' })).toBe(1)
  })

  it('adds no error listener: a socket error still reaches the app as before', async () => {
    const metrics = freshMetrics()
    const { wss, url, stop } = await startWss()
    const handle = instrumentWebSocketServer(wss, { metrics })
    cleanups.push(stop, () => handle.close())
    const connected = once(wss, 'connection')
    await connectRaw(url)
    const [ws] = (await connected) as [WebSocket]
    await until(() => ws.listenerCount('message') === 1)
    expect(ws.listenerCount('error')).toBe(0)
  })

  describe('with no app error listener', () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url))
    const fixture = fileURLToPath(new URL('./fixtures/unhandled-error.mjs', import.meta.url))
    beforeAll(() => {
      // The fixture runs in plain node, on the built package.
      execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-b', `${root}packages/ws`], { cwd: root })
    })

    for (const { name, frame, code } of invalidFrames) {
      it(`lets ${name} surface as the same uncaught ${code} as without instrumentation`, async () => {
        const run = async (instrumented: string): Promise<{ uncaught: string[]; closeCodes: number[]; errors: string[] }> => {
          const { stdout } = await promisify(execFile)(process.execPath, [fixture, instrumented, frame.toString('hex')], {
            cwd: fileURLToPath(new URL('..', import.meta.url)),
            timeout: 20_000,
          })
          return JSON.parse(stdout)
        }
        const [bare, ours] = await Promise.all([run('no'), run('yes')])
        expect(bare.uncaught).toEqual([code])
        expect({ ...ours, errors: [] }).toEqual(bare)
        expect(ours.errors).toEqual([`ws_errors_total{server="default",code="${code}"} 1`])
      })
    }
  })
})
