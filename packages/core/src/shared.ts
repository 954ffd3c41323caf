const STATES = Symbol.for('@intervai/metrics-core.shared-state')

// On globalThis so that two copies of this package in one app still share one state per owner.
function states(): WeakMap<object, Map<string, unknown>> {
  const store = globalThis as { [STATES]?: WeakMap<object, Map<string, unknown>> }
  return (store[STATES] ??= new WeakMap())
}

/**
 * State shared by everything that records into one owner (a metric, a server, a pool): made by
 * `create` on first use, found again by `key` afterwards. Two apps, two registrations and two
 * `Metrics` objects on one registry all reach the same state through the same metric object.
 */
export function sharedState<T>(owner: object, key: string, create: () => T): T {
  const all = states()
  let byKey = all.get(owner)
  if (byKey === undefined) all.set(owner, (byKey = new Map()))
  if (byKey.has(key)) return byKey.get(key) as T
  const state = create()
  byKey.set(key, state)
  return state
}

/** Forgets the state `sharedState(owner, key, ...)` made, so the next call makes it anew. */
export function dropSharedState(owner: object, key: string): void {
  states().get(owner)?.delete(key)
}

/** What `instrumentOnce` shares: something that can be undone. */
export interface Undoable<A extends unknown[] = []> {
  close(...args: A): void
}

/** One caller's share of an instrumentation. */
export interface InstrumentationClaim<T> {
  /** The shared instrumentation. */
  readonly instrumentation: T
  /** Whether this call made it (false: it was already there). */
  readonly first: boolean
  /** Gives this share back; the last one undoes the instrumentation. Idempotent. */
  release(...args: T extends Undoable<infer A> ? A : never): void
}

interface Shared<T> {
  instrumentation: T
  identity: readonly unknown[]
  refs: number
}

/**
 * The one answer to "instrumented twice" in every package: the first call for a target makes
 * the instrumentation, later calls share it (nothing is counted twice) and get a warning when
 * their options (`identity`, compared item by item) differ from the first's, which stay in
 * effect. The instrumentation is undone when the last share is released.
 */
export function instrumentOnce<T extends Undoable<never[]>>(
  pkg: string,
  target: object,
  identity: readonly unknown[],
  create: () => T,
): InstrumentationClaim<T> {
  const slot = sharedState(target, `${pkg}:instrumentation`, () => ({ current: undefined as Shared<T> | undefined }))
  let shared = slot.current
  const first = shared === undefined
  if (shared === undefined) {
    shared = { instrumentation: create(), identity, refs: 0 }
    slot.current = shared
  } else if (shared.identity.length !== identity.length || shared.identity.some((item, i) => item !== identity[i])) {
    process.emitWarning(`${pkg}: this target is already instrumented with other options; the first options stay in effect`, {
      type: 'IntervAIMetricsWarning',
      code: 'INTERVAI_METRICS_INSTRUMENTED_TWICE',
    })
  }
  const owner = shared
  owner.refs++
  let released = false
  return {
    instrumentation: owner.instrumentation,
    first,
    release: (...args) => {
      if (released) return
      released = true
      if (--owner.refs > 0) return
      if (slot.current === owner) slot.current = undefined
      ;(owner.instrumentation.close as (...a: unknown[]) => void)(...args)
    },
  }
}
