import type { BoundedLabel, Histogram, HistogramSeries } from '@intervai/metrics-core'
import { WS_STREAM_OUTCOMES, type WsStreamOutcome } from './labels.js'
import type { Connection } from './connection.js'

/** A streaming operation being timed into `ws_stream_duration_seconds{stream, outcome}`. */
export interface WsStream {
  /** Marks one chunk of the stream as sent; a no-op once the stream has ended. */
  chunk(): void
  /**
   * Ends the stream and records its duration with this outcome. Only the first call (or the
   * socket closing first, as `cancelled`) records; later calls return false.
   * @param outcome `'ok'`, `'error'` or `'cancelled'` @default 'ok'
   */
  end(outcome?: WsStreamOutcome): boolean
  /** Chunks marked so far. */
  readonly chunks: number
  /** Whether the stream has ended. */
  readonly ended: boolean
}

const OUTCOMES = new Set<string>(Object.values(WS_STREAM_OUTCOMES))
const CLOSING = 2

interface Closable {
  readonly readyState?: number
  once?(event: 'close', listener: () => void): unknown
  removeListener?(event: 'close', listener: () => void): unknown
}

/** Times streams; a stream still open when its socket closes ends as `cancelled`. */
export class StreamTimer {
  private readonly open = new Set<() => void>()
  private readonly series = new Map<string, Record<WsStreamOutcome, HistogramSeries>>()

  constructor(
    private readonly histogram: Histogram<'stream' | 'outcome'>,
    private readonly names: BoundedLabel,
    private readonly connectionOf: (socket: unknown) => Connection | undefined,
    private readonly fault: (error: unknown) => void,
  ) {}

  /** Starts timing a stream called `name` (a bounded label) on `socket`. */
  start(name: string, socket?: unknown): WsStream {
    const startedAt = performance.now()
    const timer = this
    let label: string
    try {
      label = this.names(name)
    } catch (error) {
      this.fault(error)
      label = '_other'
    }
    let ended = false
    let chunks = 0
    const connection = this.connectionOf(socket)
    const peer = connection === undefined && typeof socket === 'object' && socket !== null ? (socket as Closable) : undefined
    const cancel = (): void => {
      finish(WS_STREAM_OUTCOMES.cancelled)
    }
    // Dropped by close(): the stream records nothing afterwards.
    const drop = (): void => {
      ended = true
      release()
    }
    const release = (): void => {
      timer.open.delete(drop)
      connection?.onClose.delete(cancel)
      peer?.removeListener?.('close', cancel)
    }
    const finish = (outcome: WsStreamOutcome): boolean => {
      if (ended) return false
      ended = true
      release()
      try {
        timer.seriesFor(label)[outcome].observe((performance.now() - startedAt) / 1000)
      } catch (error) {
        timer.fault(error)
      }
      return true
    }
    const stream: WsStream = {
      chunk() {
        if (!ended) chunks++
      },
      end(outcome: WsStreamOutcome = WS_STREAM_OUTCOMES.ok) {
        if (OUTCOMES.has(outcome)) return finish(outcome)
        timer.fault(new TypeError(`stream outcome must be ok, error or cancelled (got ${String(outcome)})`))
        return finish(WS_STREAM_OUTCOMES.error)
      },
      get chunks() {
        return chunks
      },
      get ended() {
        return ended
      },
    }
    this.open.add(drop)
    try {
      if (connection !== undefined) connection.onClose.add(cancel)
      else if (peer !== undefined) {
        if (typeof peer.readyState === 'number' && peer.readyState >= CLOSING) finish(WS_STREAM_OUTCOMES.cancelled)
        else peer.once?.('close', cancel)
      }
    } catch (error) {
      this.fault(error)
    }
    return stream
  }

  /** Drops every open stream (they record nothing more) and the listeners they added. */
  close(): void {
    for (const drop of [...this.open]) drop()
  }

  private seriesFor(label: string): Record<WsStreamOutcome, HistogramSeries> {
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
