import { AlertEvaluator, alertRules } from './alert-states.js'
import type { StatusData } from './data.js'
import type { ResolvedStatusOptions } from './options.js'
import { buildPlan, type Plan } from './plan.js'
import { Sampler } from './sampler.js'
import { measure, samplerGroups } from './sampler-groups.js'
import { SamplerView } from './sampler-view.js'
import { WindowReader } from './window.js'

/** Where the page's figures come from. */
export interface StatusSource {
  /** Everything the page shows, as of the newest sample. */
  data(): Promise<StatusData>
  /** Stops sampling. */
  close(): void
}

/**
 * The embedded source: a sampler reading the app's metric objects every `intervalMs`, and the
 * alerts evaluated after every tick. The timer is unref'ed, so it never keeps a process alive.
 */
export class SamplerSource implements StatusSource {
  readonly plan: Plan
  readonly sampler: Sampler
  readonly alerts: AlertEvaluator
  private readonly reader: WindowReader
  private timer: NodeJS.Timeout | undefined
  private ticking: Promise<void> | undefined
  private cached: { tick: number; data: StatusData } | undefined
  private closed = false

  constructor(private readonly options: ResolvedStatusOptions) {
    const { metrics } = options
    this.plan = buildPlan({
      prefix: metrics.prefix,
      intervalMs: options.intervalMs,
      historyMs: options.historyMs,
      rateWindowMs: options.rateWindowMs,
      quotaWindowMs: options.quotaWindowMs,
      maxRoutes: options.maxRoutes,
      maxLines: options.maxLines,
      selections: options.selections,
      discover: options.discoverBusiness,
    })
    this.sampler = new Sampler(metrics.registry, this.plan.familiesOf, {
      capacity: this.plan.capacity,
      onError: (error) => metrics.recordError('status', error),
    })
    this.reader = new WindowReader(this.sampler.history, options.rateWindowMs)
    this.alerts = new AlertEvaluator(alertRules(options.alerts), options.runbookBase)
  }

  /** Takes a first sample now, then one every `intervalMs`. */
  start(): void {
    if (this.timer !== undefined || this.closed) return
    void this.tick()
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs)
    this.timer.unref()
  }

  /**
   * One sample and one evaluation of the alerts. A tick still running when the next is due is
   * not doubled: the next one waits for it. Never throws (a failure is counted).
   */
  tick(now?: number): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.closed) return
      try {
        const at = now ?? Date.now()
        await this.sampler.tick(at)
        const view = this.view()
        this.alerts.evaluate(at, (key) => measure(view, key, this.options.quotaWindowMs))
      } catch (error) {
        this.options.metrics.recordError('status', error)
      }
    }
    this.ticking = (this.ticking ?? Promise.resolve()).then(run)
    return this.ticking
  }

  async data(): Promise<StatusData> {
    if (this.sampler.tickCount === 0) await this.tick()
    else await this.ticking
    const tick = this.sampler.tickCount
    if (this.cached?.tick === tick) return this.cached.data
    const view = this.view()
    const history = this.sampler.history
    const data: StatusData = {
      source: 'sampler',
      now: history.last(),
      intervalMs: this.options.intervalMs,
      historyMs: this.options.historyMs,
      window: this.options.alerts.windows.rate,
      t: view.times(),
      alerts: this.alerts.statuses(),
      groups: samplerGroups(view, { rules: this.alerts.rules, business: this.options.business, discovered: this.plan.discovered }, this.options.quotaWindowMs),
    }
    this.cached = { tick, data }
    return data
  }

  close(): void {
    this.closed = true
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    this.cached = undefined
  }

  /** A view on the rows charted: those within `historyMs` of the newest. */
  private view(): SamplerView {
    const history = this.sampler.history
    const newest = history.last()
    let from = 0
    while (from < history.size - 1 && history.at(from) < newest - this.options.historyMs) from++
    return new SamplerView(this.plan.families, this.reader, from)
  }
}
