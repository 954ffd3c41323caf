import { boundedLabel, type BoundedLabel, type Counter, type Gauge, type GaugeSeries, type Histogram, type Metrics } from '@intervai/metrics-core'
import { httpMetricNames } from './names.js'
import { COMPONENT, METHOD_COUNT, errorKind, methodLabel } from './labels.js'
import { RouteRecorder } from './recorder.js'

type Method = 'method'

/**
 * The three HTTP metrics of one `Metrics` object, with the series caches every app and
 * middleware recording on it shares (per-method gauge series, per-route recorders).
 */
export class HttpMetrics {
  /** `http_server_request_duration_seconds{method,route,status_code}`. */
  readonly duration: Histogram<'method' | 'route' | 'status_code'>
  /** `http_server_active_requests{method}`. */
  readonly active: Gauge<Method>
  /** `http_server_errors_total{method,route,error}`. */
  readonly errors: Counter<'method' | 'route' | 'error'>
  /** Maps error codes and class names to at most 50 label values. */
  readonly errorLabel: BoundedLabel = boundedLabel({ limit: 50, maxLength: 64 })
  private readonly activeSeries: (GaugeSeries | undefined)[] = new Array(METHOD_COUNT).fill(undefined)
  private readonly routes = new Map<string, RouteRecorder>()

  /**
   * @param metrics the app's metrics object (also where recording failures are counted)
   * @param buckets duration histogram upper bounds, in seconds
   */
  constructor(
    readonly metrics: Metrics,
    readonly buckets: readonly number[],
  ) {
    this.duration = metrics.histogram({
      name: httpMetricNames.requestDuration,
      help: 'Duration of HTTP server requests, from the start of routing to the end of the response (or the hang-up: status 499)',
      labelNames: ['method', 'route', 'status_code'],
      buckets,
    })
    this.active = metrics.gauge({
      name: httpMetricNames.activeRequests,
      help: 'HTTP server requests in flight',
      labelNames: ['method'],
    })
    this.errors = metrics.counter({
      name: httpMetricNames.errors,
      help: 'Errors raised by HTTP request handlers, by error code or class',
      labelNames: ['method', 'route', 'error'],
    })
  }

  /** The in-flight gauge series of a method index, created (at 0) on first use. */
  activeOf(index: number): GaugeSeries {
    return (this.activeSeries[index] ??= this.active.labels(methodLabel(index)))
  }

  /** The recorder of a route template, created on first use and shared by every app on these metrics. */
  route(template: string): RouteRecorder {
    let recorder = this.routes.get(template)
    if (recorder === undefined) {
      recorder = new RouteRecorder(this, template)
      this.routes.set(template, recorder)
    }
    return recorder
  }

  /** Counts one handler error; never throws. */
  countError(index: number, route: string, error: unknown): void {
    try {
      this.errors.labels(methodLabel(index), route, this.errorLabel(errorKind(error))).inc()
    } catch (failure) {
      this.metrics.recordError(COMPONENT, failure)
    }
  }
}

const shared = new WeakMap<Metrics, HttpMetrics>()

/**
 * The HTTP metrics of a `Metrics` object, created once and shared (two apps, a plugin
 * registered twice). Other buckets than the first call's throw core's conflict error.
 */
export function httpMetrics(metrics: Metrics, buckets: readonly number[]): HttpMetrics {
  const existing = shared.get(metrics)
  if (existing !== undefined) {
    if (sameBuckets(existing.buckets, buckets)) return existing
    // Let the registry explain the conflict, naming both definitions.
    metrics.histogram({ name: httpMetricNames.requestDuration, help: 'conflict', labelNames: ['method', 'route', 'status_code'], buckets })
  }
  const created = new HttpMetrics(metrics, buckets)
  shared.set(metrics, created)
  return created
}

function sameBuckets(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((bound, i) => bound === b[i])
}
