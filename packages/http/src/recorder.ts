import type { HistogramSeries } from '@intervai/metrics-core'
import { methodLabel, statusLabel } from './labels.js'
import type { HttpMetrics } from './metrics.js'

/** The duration series of one (route, method), cached per status code. */
export class MethodRecorder {
  private lastStatus = -1
  private lastSeries: HistogramSeries | undefined
  private readonly byStatus = new Map<number, HistogramSeries>()

  constructor(
    private readonly http: HttpMetrics,
    private readonly route: string,
    private readonly method: string,
  ) {}

  /** Records one request's duration (seconds) under its status code. */
  observe(status: number, seconds: number): void {
    let series = this.lastSeries
    if (status !== this.lastStatus || series === undefined) {
      series = this.byStatus.get(status)
      if (series === undefined) {
        series = this.http.duration.labels(this.method, this.route, statusLabel(status))
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
    private readonly http: HttpMetrics,
    readonly route: string,
  ) {}

  /** The recorder for a method index (see `methodIndex`). */
  method(index: number): MethodRecorder {
    return (this.methods[index] ??= new MethodRecorder(this.http, this.route, methodLabel(index)))
  }
}
