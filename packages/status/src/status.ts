import { instrumentOnce } from '@intervai/metrics-core/internal'
import { PKG, resolveStatusOptions, type ResolvedStatusOptions } from './options.js'
import { PrometheusSource } from './prometheus-source.js'
import { StatusResponder } from './responder.js'
import { SamplerSource, type StatusSource } from './sampler-source.js'
import type { StatusPageOptions } from './types.js'

/** One registration of the page: its responder, and its share of the source. */
export interface OpenStatus {
  readonly options: ResolvedStatusOptions
  readonly responder: StatusResponder
  readonly source: StatusSource
  /** Gives this registration's share of the source back; the last one stops it. Idempotent. */
  close(): void
}

/**
 * Checks the options and gets the page's source: pages on one registry with the same sampling
 * options share one sampler (a Fastify page and a `metrics.serve` route read the metrics once);
 * differing options get the first one's, with a warning, as every package answers "registered
 * twice".
 */
export function openStatus(options: StatusPageOptions | undefined, allowed: readonly string[] = []): OpenStatus {
  const resolved = resolveStatusOptions(options, allowed)
  const identity = [
    resolved.intervalMs,
    resolved.historyMs,
    resolved.runbookBase,
    resolved.discoverBusiness,
    resolved.maxRoutes,
    resolved.maxLines,
    JSON.stringify(resolved.alerts),
    JSON.stringify(resolved.business),
    JSON.stringify(resolved.source ?? null),
  ]
  const claim = instrumentOnce(PKG, resolved.metrics.registry, identity, () => {
    if (resolved.source !== undefined) return new PrometheusSource(resolved, resolved.source)
    const sampler = new SamplerSource(resolved)
    sampler.start()
    return sampler
  })
  const source = claim.instrumentation
  return { options: resolved, responder: new StatusResponder(resolved, source), source, close: () => claim.release() }
}
