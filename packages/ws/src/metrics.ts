import { boundedLabel, type BoundedLabel, type CounterSeries, type Gauge, type Histogram, type HistogramSeries, type Metrics } from '@intervai/metrics-core'
import { WS_CLOSE_CODE_VALUES, WS_FAILURE_REASON_VALUES, type WsCloseCodeLabel, type WsFailureReason } from './labels.js'
import { wsMetricNames } from './names.js'
import type { ResolvedWsOptions } from './options.js'

/** The series one WebSocket server records into, created (and zeroed) up front. */
export interface ServerSeries {
  readonly metrics: Metrics
  readonly opened: CounterSeries
  readonly failures: Readonly<Record<WsFailureReason, CounterSeries>>
  readonly received: CounterSeries
  readonly sent: CounterSeries
  readonly receivedSize: HistogramSeries
  readonly sentSize: HistogramSeries
  readonly duration: Readonly<Record<WsCloseCodeLabel, HistogramSeries>>
  /** `ws_errors_total{code}` for this server, series cached per code. */
  error(code: string): CounterSeries
  /** `ws_stream_duration_seconds{stream, outcome}` (not per server). */
  readonly streams: Histogram<'stream' | 'outcome'>
  /** Bounds stream names; shared by every server recording into the same histogram. */
  readonly streamNames: BoundedLabel
  /** Adds a live source to `ws_connections_active{server}`; returns the undo. */
  sampleActive(count: () => number): () => void
}

/** Gets or creates the package's metrics and this server's series. */
export function createServerSeries(options: ResolvedWsOptions): ServerSeries {
  const { metrics, server } = options
  const active = metrics.gauge({
    name: wsMetricNames.connectionsActive,
    help: 'Open WebSocket connections, sampled from the server at scrape time',
    labelNames: ['server'],
  })
  const opened = metrics.counter({
    name: wsMetricNames.connectionsOpened,
    help: 'WebSocket handshakes that completed',
    labelNames: ['server'],
  })
  const failures = metrics.counter({
    name: wsMetricNames.connectionFailures,
    help: 'WebSocket handshakes that failed or were rejected, by reason',
    labelNames: ['server', 'reason'],
  })
  const messages = metrics.counter({
    name: wsMetricNames.messages,
    help: 'WebSocket messages, as the app received or sent them',
    labelNames: ['server', 'direction'],
  })
  const sizes = metrics.histogram({
    name: wsMetricNames.messageSize,
    help: 'WebSocket message sizes in bytes, as the app received or sent them (uncompressed)',
    labelNames: ['server', 'direction'],
    buckets: options.messageSizeBuckets,
  })
  const duration = metrics.histogram({
    name: wsMetricNames.connectionDuration,
    help: 'WebSocket connection lifetimes in seconds, by close code',
    labelNames: ['server', 'close_code'],
    buckets: options.connectionBuckets,
  })
  const errors = metrics.counter({
    name: wsMetricNames.errors,
    help: 'WebSocket errors after the handshake (invalid frames, oversized messages), by code',
    labelNames: ['server', 'code'],
  })
  const streams = metrics.histogram({
    name: wsMetricNames.streamDuration,
    help: 'Durations of streaming operations over WebSocket in seconds, by stream and outcome',
    labelNames: ['stream', 'outcome'],
    buckets: options.streamBuckets,
  })
  let streamNames = streamNameBounds.get(streams)
  if (streamNames === undefined) {
    streamNames = boundedLabel({ limit: options.maxStreamNames, overflow: '_other' })
    streamNameBounds.set(streams, streamNames)
  }
  const errorSeries = new Map<string, CounterSeries>()
  const failureSeries = {} as Record<WsFailureReason, CounterSeries>
  for (const reason of WS_FAILURE_REASON_VALUES) failureSeries[reason] = failures.labels(server, reason)
  const durationSeries = {} as Record<WsCloseCodeLabel, HistogramSeries>
  for (const code of WS_CLOSE_CODE_VALUES) durationSeries[code] = duration.labels(server, code)
  return {
    metrics,
    opened: opened.labels(server),
    failures: failureSeries,
    received: messages.labels(server, 'received'),
    sent: messages.labels(server, 'sent'),
    receivedSize: sizes.labels(server, 'received'),
    sentSize: sizes.labels(server, 'sent'),
    duration: durationSeries,
    error(code) {
      let series = errorSeries.get(code)
      if (series === undefined) {
        series = errors.labels(server, code)
        errorSeries.set(code, series)
      }
      return series
    },
    streams,
    streamNames,
    sampleActive: (count) => addActiveSource(active, server, count),
  }
}

const streamNameBounds = new WeakMap<Histogram<'stream' | 'outcome'>, BoundedLabel>()

interface ActiveSources {
  readonly byServer: Map<string, Set<() => number>>
  undo: () => void
}

const activeSources = new WeakMap<Gauge, ActiveSources>()

/**
 * Several WebSocket servers may share one `server` label; the gauge shows their sum, read from
 * each live client set at scrape time, and the series goes away with the last of them.
 */
function addActiveSource(gauge: Gauge, server: string, count: () => number): () => void {
  let entry = activeSources.get(gauge)
  if (entry === undefined) {
    const byServer = new Map<string, Set<() => number>>()
    const undo = gauge.onCollect((g) => {
      for (const [label, sources] of byServer) {
        let sum = 0
        for (const source of sources) sum += source()
        g.labels(label).set(sum)
      }
    })
    entry = { byServer, undo }
    activeSources.set(gauge, entry)
  }
  const sources = entry.byServer.get(server) ?? new Set()
  entry.byServer.set(server, sources)
  sources.add(count)
  gauge.labels(server).set(0)
  const owner = entry
  return () => {
    if (!sources.delete(count)) return
    if (sources.size > 0) return
    owner.byServer.delete(server)
    gauge.remove(server)
    if (owner.byServer.size === 0) {
      owner.undo()
      activeSources.delete(gauge)
    }
  }
}
