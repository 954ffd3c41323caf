import { IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
// Not the global `performance`: that one is an accessor, a getter call on every use.
import { performance } from 'node:perf_hooks'
import type { Metrics } from '@intervai/metrics-core'
import { COMPONENT, methodIndex } from './labels.js'
import type { HttpMetrics } from './metrics.js'
import type { RouteRecorder } from './recorder.js'

/** The route of a request left out of the metrics (`config: { metrics: false }`, the metrics route). */
export const OPTED_OUT = Symbol('@intervai/metrics-http.opted-out')

/** What a request is recorded under: not named yet (null), a route, or left out. */
export type RouteState = RouteRecorder | typeof OPTED_OUT | null

/** The route of a request that ends with no route named (Fastify: `__unmatched`; Express: from `req.route`). */
export type UnnamedRoute = (req: IncomingMessage, res: ServerResponse) => RouteRecorder

/** One request in flight, kept on its response: one object per request, no closure. */
export class InFlight {
  /** What the request is recorded under. */
  route: RouteState = null
  /** Set when the request is finished (recorded or left out): it is finished once. */
  done = false
  /** Set when a handler error was counted: one per request. */
  errorCounted = false
  /** Express only: the mounted routers the request is in (see express-routes.ts). */
  mounts: Mounts | undefined = undefined
  constructor(
    /** The tracker that started the request and finishes it. */
    readonly owner: Requests,
    /** `performance.now()` at the start, in milliseconds. */
    readonly start: number,
    /** The method's index (see `methodIndex`). */
    readonly method: number,
  ) {}
}

/** The mount chain of an Express request, as the router's events reveal it. */
export interface Mounts {
  /** The app the request came in through (`req.app` when the chain started). */
  app: unknown
  /** The routers entered, outermost first. */
  routers: unknown[]
  /** Their mount patterns, without a trailing slash (`/tenants/:t`). */
  patterns: string[]
  /** `req.baseUrl` inside each of them (the text their mounts matched), to tell which one a route runs in. */
  bases: string[]
  /** The `req.baseUrl` the request was first seen at inside a mount no event showed, else `''`. */
  outside: string
}

const STATE = Symbol('@intervai/metrics-http.state')
const RESPONSE = Symbol('@intervai/metrics-http.response')
const LAST = Symbol('@intervai/metrics-http.last')
type TrackedResponse = ServerResponse & { [STATE]?: InFlight }
type QueuedRequest = IncomingMessage & { [RESPONSE]?: TrackedResponse }
type TrackedSocket = Socket & { [LAST]?: InFlight }

/** The request tracked on `res`, if any. */
export function stateOf(res: ServerResponse): InFlight | undefined {
  return (res as TrackedResponse)[STATE]
}

/**
 * Starts and finishes requests for one tracker: the in-flight gauge, and one duration per
 * request, recorded once, whatever ends it. Failures are counted, never thrown.
 */
export class Requests {
  /** Starts tracking a request (guarded: a failure is counted and gives undefined). */
  readonly start: (req: IncomingMessage, res: ServerResponse) => InFlight | undefined
  /** Finishes a request once (guarded). */
  readonly finish: (res: ServerResponse, state: InFlight) => void

  /**
   * @param metrics where failures are counted
   * @param http the metrics recorded into
   * @param unnamed the route of a request nothing named while it ran
   */
  constructor(
    metrics: Metrics,
    readonly http: HttpMetrics,
    readonly unnamed: UnnamedRoute,
  ) {
    this.start = metrics.safely(COMPONENT, (req, res) => startRequest(this, req, res))
    this.finish = metrics.safely(COMPONENT, finishRequest)
  }
}

function startRequest(owner: Requests, req: IncomingMessage, res: ServerResponse): InFlight {
  const method = methodIndex(req.method)
  owner.http.activeOf(method).inc()
  const state = new InFlight(owner, performance.now(), method)
  ;(res as TrackedResponse)[STATE] = state
  res.on('close', onResponseClose)
  // A pipelined request queued behind another one on its socket gets no response `close`
  // when the socket dies: only its request closes. `res.socket` cannot tell it here (Node
  // assigns the socket after publishing `http.server.request.start`, node/lib/_http_server.js),
  // so the socket remembers its last request: one still running means this one waits.
  const socket = req.socket as TrackedSocket | null
  if (socket !== null && typeof socket === 'object') {
    const previous = socket[LAST]
    socket[LAST] = state
    if (previous !== undefined && !previous.done && req instanceof IncomingMessage) {
      ;(req as QueuedRequest)[RESPONSE] = res
      req.on('close', onQueuedRequestClose)
    }
  }
  return state
}

// Shared by every request: `this` is the emitter, so no closure is allocated per request.
function onResponseClose(this: TrackedResponse): void {
  const state = this[STATE]
  if (state !== undefined && !state.done) {
    state.done = true
    state.owner.finish(this, state)
  }
}

// The request's `close` alone is no signal (Node emits it once the body is read, long before
// a slow handler answers), hence the check for a dead socket.
function onQueuedRequestClose(this: QueuedRequest): void {
  const res = this[RESPONSE]
  if (res !== undefined && (this.socket === null || this.socket.destroyed)) onResponseClose.call(res)
}

function finishRequest(res: ServerResponse, state: InFlight): void {
  let route = state.route
  if (route === OPTED_OUT) return // taken out of the in-flight count when it was left out
  const owner = state.owner
  owner.http.activeOf(state.method).dec()
  route ??= owner.unnamed(res.req, res)
  route.method(state.method).observe(finalStatus(res.req, res), (performance.now() - state.start) / 1000)
}

/**
 * The status to record: the response's when it was sent in full, else 499 (the client hung
 * up first). `inject`'s response has no socket to flush to, so there ending it is enough.
 */
function finalStatus(req: object, res: ServerResponse): number {
  return (req instanceof IncomingMessage ? res.writableFinished : res.writableEnded) ? res.statusCode : 499
}

/** Leaves a request out: the in-flight count it took is given back, and nothing more is recorded. */
export function optOut(state: InFlight): void {
  if (state.route === OPTED_OUT) return
  state.route = OPTED_OUT
  if (!state.done) state.owner.http.activeOf(state.method).dec()
}
