import type { FastifyInstance } from 'fastify'
import type { WebSocket } from 'ws'
import type { BusinessMetrics, OptimizationStatus } from './business-metrics.js'
import type { ResumeModel } from './model.js'
import type { Repository } from './repository.js'

/** Close code sent when the user already has `maxStreamsPerUser` streams open. */
export const CLOSE_QUOTA_EXCEEDED = 4429
/** Close code sent when the optimization does not exist, is someone else's or already ran. */
export const CLOSE_NOT_AVAILABLE = 4409

/** Times one streaming operation (the shape of @intervai/metrics-ws `startStream`). */
export interface StreamTimer {
  chunk(): void
  end(outcome: 'ok' | 'error' | 'cancelled'): void
}

/** What the stream route needs. */
export interface StreamDependencies {
  repository: Repository
  model: ResumeModel
  business: BusinessMetrics
  maxStreamsPerUser: number
  /** Starts timing a stream on `socket`. */
  startStream(socket: WebSocket): StreamTimer
  /** Records the app-level check of the concurrent-streams quota. */
  recordStreamQuota(outcome: 'allowed' | 'exceeded'): void
}

/** Messages the server sends. */
export type ServerMessage =
  | { type: 'suggestion'; suggestion: { id: string; position: number; original: string; proposal: string } }
  | { type: 'done'; suggestions: number }
  | { type: 'error'; code: string; message: string }

/**
 * `GET /optimizations/:id/stream` (WebSocket): after the client sends `{"type":"start"}`, the
 * optimization runs and each suggestion is sent as it is generated, then `done`. Closing the
 * socket (or sending `{"type":"cancel"}`) cancels it.
 */
export function streamRoute(app: FastifyInstance, deps: StreamDependencies): { cancelAll(): Promise<void> } {
  const { repository, model, business } = deps
  const openStreams = new Map<string, number>()
  const running = new Map<AbortController, Promise<void>>()

  async function run(socket: WebSocket, userId: string, id: string): Promise<void> {
    const resume = await repository.claim(userId, id)
    if (resume === undefined) {
      send(socket, { type: 'error', code: 'NOT_AVAILABLE', message: 'no pending optimization with this id' })
      socket.close(CLOSE_NOT_AVAILABLE, 'not available')
      return
    }
    const controller = new AbortController()
    const timer = deps.startStream(socket)
    const onClose = (): void => controller.abort()
    socket.once('close', onClose)
    // The client may have gone while the claim was in flight: its 'close' has fired already.
    if (socket.readyState !== socket.OPEN) controller.abort()
    const work = generate(socket, id, resume, controller.signal, timer).finally(() => {
      socket.off('close', onClose)
      running.delete(controller)
    })
    running.set(controller, work)
    await work
  }

  async function generate(socket: WebSocket, id: string, resume: string, signal: AbortSignal, timer: StreamTimer): Promise<void> {
    let count = 0
    let status: OptimizationStatus
    try {
      for await (const proposal of model.suggest(resume, signal)) {
        const suggestion = await repository.addSuggestion(id, proposal)
        if (signal.aborted) break
        send(socket, { type: 'suggestion', suggestion })
        timer.chunk()
        count++
      }
      status = signal.aborted ? 'cancelled' : 'completed'
    } catch (error) {
      status = signal.aborted ? 'cancelled' : 'failed'
      if (status === 'failed') app.log.warn({ err: error, optimization: id }, 'suggestion generation failed')
    }
    await repository.finish(id, status)
    business.optimizationFinished(status)
    if (status === 'completed') {
      business.suggestionsGenerated(count)
      send(socket, { type: 'done', suggestions: count })
      timer.end('ok')
      socket.close(1000, 'done')
    } else if (status === 'failed') {
      send(socket, { type: 'error', code: 'MODEL_FAILED', message: 'suggestion generation failed' })
      timer.end('error')
      socket.close(1011, 'generation failed')
    } else {
      timer.end('cancelled')
    }
  }

  // An upgrade is not a request/response exchange: the ws_* metrics cover it, the HTTP ones leave it out.
  app.get<{ Params: { id: string } }>('/optimizations/:id/stream', { websocket: true, config: { metrics: false } }, (socket, request) => {
    const userId = request.userId
    const open = openStreams.get(userId) ?? 0
    if (open >= deps.maxStreamsPerUser) {
      deps.recordStreamQuota('exceeded')
      send(socket, { type: 'error', code: 'QUOTA_EXCEEDED', message: `at most ${deps.maxStreamsPerUser} streams at once` })
      socket.close(CLOSE_QUOTA_EXCEEDED, 'too many streams')
      return
    }
    deps.recordStreamQuota('allowed')
    openStreams.set(userId, open + 1)
    socket.once('close', () => {
      const left = (openStreams.get(userId) ?? 1) - 1
      if (left === 0) openStreams.delete(userId)
      else openStreams.set(userId, left)
    })
    let started = false
    socket.on('message', (data) => {
      const message = parse(data)
      if (message?.type === 'start' && !started) {
        started = true
        run(socket, userId, request.params.id).catch((error: unknown) => {
          request.log.error({ err: error }, 'stream failed')
          send(socket, { type: 'error', code: 'INTERNAL', message: 'stream failed' })
          socket.close(1011, 'internal error')
        })
      } else if (message?.type === 'cancel') {
        socket.close(1000, 'cancelled')
      } else {
        send(socket, { type: 'error', code: 'BAD_MESSAGE', message: 'expected {"type":"start"} once, or {"type":"cancel"}' })
      }
    })
  })

  return {
    /** Cancels every running optimization and waits until each has recorded its end. */
    async cancelAll() {
      for (const controller of running.keys()) controller.abort()
      await Promise.allSettled([...running.values()])
    },
  }
}

function send(socket: WebSocket, message: ServerMessage): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message))
}

function parse(data: unknown): { type?: unknown } | undefined {
  try {
    const value: unknown = JSON.parse(String(data))
    return typeof value === 'object' && value !== null ? (value as { type?: unknown }) : undefined
  } catch {
    return undefined
  }
}
