import { metricCatalog, wsCloseCodes, wsErrorCodes, wsFailureReasons, type WsCloseCode, type WsFailureReason } from '@intervai/metrics-catalog'
import { boundedLabel, type BoundedLabel, type CounterSeries, type Histogram, type HistogramSeries, type Metrics } from '@intervai/metrics-core'
import { sampleGauge, sharedState } from '@intervai/metrics-core/internal'
import { PKG, type ResolvedWsOptions } from './options.js'

/** The `component` of `instrumentation_errors_total` for this package. */
export const COMPONENT = 'ws'

const CLOSE_CODES: ReadonlySet<string> = new Set(Object.values(wsCloseCodes))

/** The bounded `close_code` label of a close code. */
export function closeCodeLabel(code: number): WsCloseCode {
  const text = String(code)
  return CLOSE_CODES.has(text) ? (text as WsCloseCode) : wsCloseCodes.other
}

/** The series one WebSocket server records into, created (and zeroed) up front. */
export interface ServerSeries {
  readonly metrics: Metrics
  readonly opened: CounterSeries
  readonly failures: Readonly<Record<WsFailureReason, CounterSeries>>
  readonly received: CounterSeries
  readonly sent: CounterSeries
  readonly receivedSize: HistogramSeries
  readonly sentSize: HistogramSeries
  readonly duration: Readonly<Record<WsCloseCode, HistogramSeries>>
  /** `ws_errors_total{code}` of this server for an error, its code bounded. */
  error(error: unknown): CounterSeries
  /** `ws_stream_duration_seconds{stream, outcome}` (not per server). */
  readonly streams: Histogram<'stream' | 'outcome'>
  /** Bounds stream names; shared by every server recording into the same histogram. */
  readonly streamNames: BoundedLabel
  /** Adds a live source to `ws_connections_active{server}` (summed with other servers of that label); returns the undo. */
  sampleActive(count: () => number): () => void
}

/** Gets or creates the package's metrics and this server's series. */
export function createServerSeries(options: ResolvedWsOptions): ServerSeries {
  const { metrics, server } = options
  const ws = metricCatalog.ws
  const active = metrics.gauge(ws.connectionsActive)
  const failures = metrics.counter(ws.connectionFailures)
  const messages = metrics.counter(ws.messages)
  const sizes = metrics.histogram({ ...ws.messageSize, buckets: options.messageSizeBuckets })
  const duration = metrics.histogram({ ...ws.connectionDuration, buckets: options.connectionBuckets })
  const errors = metrics.counter(ws.errors)
  const streams = metrics.histogram({ ...ws.streamDuration, buckets: options.streamBuckets })
  // One bound per metric, whichever server or registration records into it.
  const streamNames = sharedState(streams, `${PKG}:stream-names`, () => boundedLabel({ limit: options.maxStreamNames }))
  const errorCodes = sharedState(errors, `${PKG}:error-codes`, () => boundedLabel({ known: wsErrorCodes, limit: 10 }))
  const errorSeries = new Map<string, CounterSeries>()
  const failureSeries = {} as Record<WsFailureReason, CounterSeries>
  for (const reason of Object.values(wsFailureReasons)) failureSeries[reason] = failures.labels(server, reason)
  const durationSeries = {} as Record<WsCloseCode, HistogramSeries>
  for (const code of CLOSE_CODES) durationSeries[code as WsCloseCode] = duration.labels(server, code)
  return {
    metrics,
    opened: metrics.counter(ws.connectionsOpened).labels(server),
    failures: failureSeries,
    received: messages.labels(server, 'received'),
    sent: messages.labels(server, 'sent'),
    receivedSize: sizes.labels(server, 'received'),
    sentSize: sizes.labels(server, 'sent'),
    duration: durationSeries,
    error(error) {
      const code = errorCodes((error as { code?: unknown } | null | undefined)?.code)
      let series = errorSeries.get(code)
      if (series === undefined) errorSeries.set(code, (series = errors.labels(server, code)))
      return series
    },
    streams,
    streamNames,
    sampleActive: (count) => sampleGauge(active, [server], count, (error) => metrics.recordError(COMPONENT, error)),
  }
}
