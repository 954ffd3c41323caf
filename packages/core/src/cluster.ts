import cluster, { type Worker } from 'node:cluster'
import { AggregatorRegistry, type Registry, type RegistryContentType } from 'prom-client'
import { contentTypeOf, negotiateFormat } from './exposition.js'
import type { Metrics } from './metrics.js'
import { renderRegistry } from './render.js'
import { metricsHandler, serveMetrics, type Exposition, type HandlerOptions, type MetricsServer, type ServeOptions } from './server.js'
import { check, checkOptions } from './options.js'

const REQUEST = 'intervai-metrics:scrape'
const RESPONSE = 'intervai-metrics:scrape-result'

interface ScrapeRequest { type: typeof REQUEST; id: number }
interface ScrapeResponse { type: typeof RESPONSE; id: number; metrics?: unknown[]; error?: string }

/** A worker's side of cluster aggregation; `close()` stops answering. */
export interface ClusterWorkerHandle {
  close(): void
}

/**
 * In a node:cluster worker: answers the primary's scrape requests with this worker's metrics
 * (as prom-client JSON). Does nothing outside a worker.
 */
export function shareWithPrimary(metrics: Metrics | Registry): ClusterWorkerHandle {
  const registry = 'registry' in metrics ? metrics.registry : metrics
  if (!cluster.isWorker || typeof process.send !== 'function') return { close() {} }
  const onMessage = (message: unknown): void => {
    const request = message as Partial<ScrapeRequest> | null
    if (!request || request.type !== REQUEST || typeof request.id !== 'number') return
    const id = request.id
    registry.getMetricsAsJSON().then(
      (json) => process.send?.({ type: RESPONSE, id, metrics: json } satisfies ScrapeResponse),
      (error: unknown) => process.send?.({ type: RESPONSE, id, error: String(error) } satisfies ScrapeResponse),
    )
  }
  process.on('message', onMessage)
  return { close: () => void process.off('message', onMessage) }
}

/** Options of `clusterAggregator`. */
export interface ClusterAggregatorOptions {
  /** How long a scrape waits for each worker; a slower or dead worker is left out. @default 1000 */
  timeoutMs?: number
}

/** The primary's view: the sum of every worker's metrics. */
export interface ClusterAggregator {
  /** Asks every live worker, waits at most `timeoutMs`, and renders the sum of the answers. */
  render(accept?: string): Promise<Exposition>
  /** How many workers answered the last scrape, and how many were asked. */
  readonly lastScrape: { asked: number; answered: number }
  handler(options?: HandlerOptions): ReturnType<typeof metricsHandler>
  serve(options?: ServeOptions): Promise<MetricsServer>
  close(): void
}

/**
 * In the node:cluster primary: aggregates the workers' metrics (summed per series, with
 * prom-client's AggregatorRegistry) for one `/metrics`. A worker that died or stalls is
 * left out after `timeoutMs` instead of hanging the scrape.
 */
export function clusterAggregator(options: ClusterAggregatorOptions = {}): ClusterAggregator {
  const { timeoutMs } = checkOptions('@intervai/metrics-core', options, { timeoutMs: check.number(1000, 1, 600_000) })
  let nextId = 0
  const pending = new Map<number, { answers: unknown[][]; waiting: Set<number>; finish: () => void }>()
  const lastScrape = { asked: 0, answered: 0 }

  const onMessage = (worker: Worker, message: unknown): void => {
    const response = message as Partial<ScrapeResponse> | null
    if (!response || response.type !== RESPONSE || typeof response.id !== 'number') return
    const scrape = pending.get(response.id)
    if (!scrape || !scrape.waiting.delete(worker.id)) return
    if (Array.isArray(response.metrics)) scrape.answers.push(response.metrics)
    if (scrape.waiting.size === 0) scrape.finish()
  }
  const onExit = (worker: Worker): void => {
    for (const scrape of pending.values()) {
      if (scrape.waiting.delete(worker.id) && scrape.waiting.size === 0) scrape.finish()
    }
  }
  cluster.on('message', onMessage)
  cluster.on('exit', onExit)

  const gather = (): Promise<unknown[][]> =>
    new Promise((resolve) => {
      const id = nextId++
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected())
      const answers: unknown[][] = []
      const waiting = new Set(workers.map((w) => w.id))
      let timer: NodeJS.Timeout | undefined
      const finish = (): void => {
        if (!pending.delete(id)) return
        if (timer) clearTimeout(timer)
        lastScrape.asked = workers.length
        lastScrape.answered = answers.length
        resolve(answers)
      }
      pending.set(id, { answers, waiting, finish })
      if (waiting.size === 0) return finish()
      timer = setTimeout(finish, timeoutMs)
      timer.unref()
      for (const worker of workers) {
        try {
          worker.send({ type: REQUEST, id } satisfies ScrapeRequest)
        } catch {
          waiting.delete(worker.id)
        }
      }
      if (waiting.size === 0) finish()
    })

  const render = async (accept?: string): Promise<Exposition> => {
    const answers = await gather()
    const format = negotiateFormat(accept)
    const registry = AggregatorRegistry.aggregate<RegistryContentType>(answers as object[])
    return { contentType: contentTypeOf(format), body: await renderRegistry(registry, format) }
  }

  return {
    render,
    lastScrape,
    handler: (opts) => metricsHandler(render, opts),
    serve: (opts) => serveMetrics(render, opts),
    close() {
      cluster.off('message', onMessage)
      cluster.off('exit', onExit)
    },
  }
}
