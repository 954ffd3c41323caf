import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { stateOf, type InFlight, type Mounts } from './inflight.js'
import { MOUNTED } from './labels.js'

// router >= 2.3 (Express 5) publishes each middleware, mounted router and route handler call
// on the TracingChannel `express.router.request` (router/README.md, "Diagnostics"); `start`
// carries the pattern that matched in `route`. Older routers and Express 4 publish nothing.
const LAYER_START = 'tracing:express.router.request:start'

/** The documented fields of the channel's context that naming reads. */
export interface LayerStart {
  req: IncomingMessage & { route?: { path?: unknown }; app?: ExpressApp; baseUrl?: string }
  res: ServerResponse
  handler: unknown
  route: unknown
  param?: string
  errorHandler?: boolean
}

/** A mounted `Router` (router >= 2.3): `listRoutes()` lists its routes and the routers mounted on it. */
interface ListableRouter {
  listRoutes(): { path: unknown; router?: unknown }[]
}

/** The parts of an Express app naming reads: its router, and `path()` (the canonical mount path of a sub-app). */
interface ExpressApp {
  router?: unknown
  parent?: unknown
  path?: () => string
}

/** What one router lists: its route patterns and the routers mounted on it. */
interface Listing {
  routes: Set<unknown>
  routers: Set<unknown>
}

let listings = new WeakMap<object, Listing>()
let listedAt = -Infinity
const RELIST_MS = 1000

function isRouter(value: unknown): value is ListableRouter {
  return typeof value === 'function' && typeof (value as Partial<ListableRouter>).listRoutes === 'function'
}

function listingOf(router: ListableRouter): Listing {
  let listing = listings.get(router)
  if (listing === undefined) {
    listing = { routes: new Set(), routers: new Set() }
    for (const entry of router.listRoutes()) {
      if (entry.router !== undefined) listing.routers.add(entry.router)
      else listing.routes.add(entry.path)
    }
    listings.set(router, listing)
  }
  return listing
}

/** Forgets the listings (at most once a second), so routes and routers added since are found. */
function relist(): boolean {
  const now = performance.now()
  if (now - listedAt < RELIST_MS) return false
  listedAt = now
  listings = new WeakMap()
  return true
}

/**
 * How many mounts of the chain to keep for a router entered from the last of them: the depth
 * of the innermost mounted router listing it, 0 for the app's own router, -1 when nothing lists it.
 */
function routerOwnerDepth(mounts: Mounts, root: unknown, router: unknown): number {
  for (let i = mounts.routers.length - 1; i >= 0; i--) {
    if (listingOf(mounts.routers[i] as ListableRouter).routers.has(router)) return i + 1
  }
  return isRouter(root) && listingOf(root).routers.has(router) ? 0 : -1
}

/**
 * How many mounts of the chain to keep for a route about to run: the depth of the innermost
 * mounted router that lists the route's path and whose `req.baseUrl` is the request's now
 * (inside a router, `req.baseUrl` is the text its own mount matched: a router the request left
 * has a longer one), 0 for the app's own router, -1 when nothing lists it. Deeper mounts are
 * routers that matched and passed the request on.
 */
function routeOwnerDepth(mounts: Mounts, root: unknown, path: unknown, baseUrl: string): number {
  for (let i = mounts.routers.length - 1; i >= 0; i--) {
    if (mounts.bases[i] === baseUrl && listingOf(mounts.routers[i] as ListableRouter).routes.has(path)) return i + 1
  }
  return isRouter(root) && listingOf(root).routes.has(path) ? 0 : -1
}

/** The deepest mount entered with the request's `req.baseUrl` now: where a route nobody lists yet runs. */
function baseDepth(mounts: Mounts, baseUrl: string): number {
  return mounts.bases.lastIndexOf(baseUrl) + 1
}

function truncate(mounts: Mounts, depth: number): void {
  mounts.routers.length = mounts.patterns.length = mounts.bases.length = depth
}

function mountText(pattern: unknown): string {
  const text = String(pattern)
  if (text === '/') return ''
  return text.endsWith('/') ? text.slice(0, -1) : text
}

/** Whether the call is one of the handlers of the route the router dispatched (`req.route`). */
function isRouteHandler(ctx: LayerStart): boolean {
  const path = ctx.req.route?.path
  return path === ctx.route || (Array.isArray(path) && path.flat(Infinity).includes(ctx.route))
}

/**
 * The full template of a route handler about to run: the sub-app's mount path, the routers'
 * patterns, the route's. `<mount>` stands for mount paths the router's events did not show
 * (the middleware mounted inside a router, or a sub-app mounted on a router).
 */
function templateOf(ctx: LayerStart, mounts: Mounts | undefined): string {
  const app = ctx.req.app
  let template = app?.parent !== undefined && typeof app.path === 'function' ? mountText(app.path()) : ''
  if (mounts !== undefined) {
    // A sub-app with no parent that is not the app the request came in through was mounted on a router.
    if (app !== mounts.app && app?.parent === undefined) template = MOUNTED
    if (mounts.outside !== '' && within(mounts.bases[0] ?? ctx.req.baseUrl ?? '', mounts.outside)) template = MOUNTED
    for (const pattern of mounts.patterns) template += pattern
  }
  if (template === '' && ctx.req.baseUrl !== undefined && ctx.req.baseUrl !== '') template = MOUNTED
  const own = String(ctx.route)
  if (own !== '/' || template === '') template += own
  return template
}

/**
 * Follows one request through the router's events: a mounted router entered goes on the
 * request's mount chain (after the routers it is not in are taken off), and a route handler
 * about to run names the request with the full template. Nothing from the URL is used.
 */
export function onLayerStart(state: InFlight, ctx: LayerStart): void {
  const req = ctx.req
  if (isRouter(ctx.handler)) {
    const mounts = (state.mounts ??= newMounts(req.app, ''))
    if (mounts.routers.length > 0) {
      let depth = routerOwnerDepth(mounts, req.app?.router, ctx.handler)
      if (depth === -1 && relist()) depth = routerOwnerDepth(mounts, req.app?.router, ctx.handler)
      truncate(mounts, Math.max(depth, 0))
    }
    mounts.routers.push(ctx.handler)
    mounts.patterns.push(mountText(ctx.route))
    mounts.bases.push(req.baseUrl ?? '')
  } else if (isRouteHandler(ctx)) {
    const mounts = state.mounts
    if (mounts !== undefined && mounts.routers.length > 0) {
      const baseUrl = req.baseUrl ?? ''
      let depth = routeOwnerDepth(mounts, req.app?.router, ctx.route, baseUrl)
      if (depth === -1 && relist()) depth = routeOwnerDepth(mounts, req.app?.router, ctx.route, baseUrl)
      truncate(mounts, depth === -1 ? baseDepth(mounts, baseUrl) : depth)
    }
    state.route = state.owner.http.route(templateOf(ctx, mounts))
  }
}

/** Whether `baseUrl` is `base` or under it. */
function within(baseUrl: string, base: string): boolean {
  return baseUrl.startsWith(base) && (baseUrl.length === base.length || baseUrl[base.length] === '/')
}

/**
 * A new mount chain for a request in `app` (`req.app` when the chain starts); `outside`: the
 * `req.baseUrl` the request was first seen at, when no event showed that mount.
 */
export function newMounts(app: unknown, outside: string): Mounts {
  return { app, routers: [], patterns: [], bases: [], outside }
}

type LayerHandler = (state: InFlight, ctx: LayerStart) => void
const handlers = new WeakMap<object, LayerHandler>()

function onStart(message: unknown): void {
  const ctx = message as LayerStart
  const state = stateOf(ctx.res)
  if (state === undefined || state.done || ctx.errorHandler === true || ctx.param !== undefined) return
  handlers.get(state.owner)?.(state, ctx)
}

let users = 0
// Subscribed while some middleware that used it is alive: with a subscriber, the router
// allocates a context for every middleware call of every Express app in the process.
const finalizers = new FinalizationRegistry<undefined>(() => {
  if (--users === 0) unsubscribe(LAYER_START, onStart)
})

/**
 * Routes the router's events for requests tracked by `owner` to `handler` (guarded by the
 * caller), subscribing to the channel while `user` (the middleware) is alive.
 */
export function followRouterEvents(user: object, owner: object, handler: LayerHandler): void {
  handlers.set(owner, handler)
  if (users++ === 0) subscribe(LAYER_START, onStart)
  finalizers.register(user, undefined)
}
