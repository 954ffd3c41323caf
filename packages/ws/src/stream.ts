import { OVERFLOW_LABEL, streamOutcomes, type StreamOutcome } from '@intervai/metrics-catalog'
import type { BoundedLabel, Histogram, HistogramSeries, Metrics } from '@intervai/metrics-core'
import type { Connection } from './connection.js'
import { COMPONENT } from './metrics.js'

/** A streaming operation being timed into `ws_stream_duration_seconds{stream, outcome}`. */
export interface WsStream {
  /** Marks one chunk of the stream as sent; a no-op once the stream has ended. */
  chunk(): void
  /**
   * Ends the stream and records its duration with this outcome. Only the first call (or the
   * socket closing first, as `cancelled`) records; later calls return false.
   * @param outcome `'ok'`, `'error'` or `'cancelled'` @default 'ok'
   */
  end(outcome?: StreamOutcome): boolean
  /** Chunks marked so far. */
  readonly chunks: number
  /** Whether the stream has ended. */
  readonly ended: boolean
}

const OUTCOMES: ReadonlySet<string> = new Set(streamOutcomes)
const CLOSING = 2

interface Closable {
  readonly readyState?: number
  once?(event: 'close', listener: () => void): unknown
  removeListener?(event: 'close', listener: () => void): unknown
}

/** Times streams; a stream still open when its socket closes ends as `cancelled`. */
export class StreamTimer {
  private readonly open = new Set<() => void>()
  private readonly series = new Map<string, Record<StreamOutcome, HistogramSeries>>()
  private readonly label: (name: string) => string | undefined
  private readonly observe: (label: string, outcome: StreamOutcome, seconds: number) => void
  private readonly follow: (socket: unknown, cancel: () => void, finish: (outcome: StreamOutcome) => boolean) => (() => void) | undefined

  constructor(
    private readonly histogram: Histogram<'stream' | 'outcome'>,
    names: BoundedLabel,
    private readonly metrics: Metrics,
    connectionOf: (socket: unknown) => Connection | undefined,
  ) {
    this.label = metrics.safely(COMPONENT, names)
    this.observe = metrics.safely(COMPONENT, (label: string, outcome: StreamOutcome, seconds: number) => this.seriesFor(label)[outcome].observe(seconds))
    // Returns how to stop following the socket, or undefined if there is nothing to follow.
    this.follow = metrics.safely(COMPONENT, (socket: unknown, cancel: () => void, finish: (outcome: StreamOutcome) => boolean) => {
      const connection = connectionOf(socket)
      if (connection !== undefined) {
        connection.onClose.add(cancel)
        return () => connection.onClose.delete(cancel)
      }
      if (typeof socket !== 'object' || socket === null) return undefined
      const peer = socket as Closable
      if (typeof peer.readyState === 'number' && peer.readyState >= CLOSING) {
        finish('cancelled')
        return undefined
      }
      peer.once?.('close', cancel)
      return () => peer.removeListener?.('close', cancel)
    })
  }

  /** Starts timing a stream called `name` (a bounded label) on `socket`. */
  start(name: string, socket?: unknown): WsStream {
    const startedAt = performance.now()
    const timer = this
    const label = this.label(name) ?? OVERFLOW_LABEL
    let ended = false
    let chunks = 0
    let unfollow: (() => void) | undefined
    const cancel = (): void => {
      finish('cancelled')
    }
    // Dropped by close(): the stream records nothing afterwards.
    const drop = (): void => {
      ended = true
      release()
    }
    const release = (): void => {
      timer.open.delete(drop)
      unfollow?.()
    }
    const finish = (outcome: StreamOutcome): boolean => {
      if (ended) return false
      ended = true
      release()
      timer.observe(label, outcome, (performance.now() - startedAt) / 1000)
      return true
    }
    const stream: WsStream = {
      chunk() {
        if (!ended) chunks++
      },
      end(outcome: StreamOutcome = 'ok') {
        if (OUTCOMES.has(outcome)) return finish(outcome)
        timer.metrics.recordError(COMPONENT, new TypeError(`stream outcome must be ok, error or cancelled (got ${String(outcome)})`))
        return finish('error')
      },
      get chunks() {
        return chunks
      },
      get ended() {
        return ended
      },
    }
    this.open.add(drop)
    unfollow = this.follow(socket, cancel, finish)
    return stream
  }

  /** Drops every open stream (they record nothing more) and the listeners they added. */
  close(): void {
    for (const drop of [...this.open]) drop()
  }

  private seriesFor(label: string): Record<StreamOutcome, HistogramSeries> {
    let series = this.series.get(label)
    if (series === undefined) {
      series = {
        ok: this.histogram.labels(label, 'ok'),
        error: this.histogram.labels(label, 'error'),
        cancelled: this.histogram.labels(label, 'cancelled'),
      }
      this.series.set(label, series)
    }
    return series
  }
}
