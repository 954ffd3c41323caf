import type { Histogram, HistogramSeries } from '@intervai/metrics-core'
import { methodLabel, statusLabel } from './labels.js'

type DurationLabels = 'method' | 'route' | 'status_code'

/** The duration series of one (route, method), cached per status code. */
export class MethodRecorder {
  private lastStatus = -1
  private lastSeries: HistogramSeries | undefined
  private readonly byStatus = new Map<number, HistogramSeries>()

  constructor(
    private readonly duration: Histogram<DurationLabels>,
    private readonly route: string,
    private readonly method: string,
  ) {}

  /** Records one request's duration (seconds) under its status code. */
  observe(status: number, seconds: number): void {
    let series = this.lastSeries
    if (status !== this.lastStatus || series === undefined) {
      series = this.byStatus.get(status)
      if (series === undefined) {
        series = this.duration.labels(this.method, this.route, statusLabel(status))
        this.byStatus.set(status, series)
      }
      this.lastStatus = status
      this.lastSeries = series
    }
    series.observe(seconds)
  }
}

/** The per-method recorders of one route template. */
export class RouteRecorder {
  private readonly methods: (MethodRecorder | undefined)[] = []

  constructor(
    private readonly duration: Histogram<DurationLabels>,
    /** The `route` label. */
    readonly route: string,
  ) {}

  /** The recorder of a method index (see `methodIndex`). */
  method(index: number): MethodRecorder {
    return (this.methods[index] ??= new MethodRecorder(this.duration, this.route, methodLabel(index)))
  }
}
