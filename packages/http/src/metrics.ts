import { metricCatalog } from '@intervai/metrics-catalog'
import { boundedLabel, type Counter, type Gauge, type GaugeSeries, type Histogram, type Metrics } from '@intervai/metrics-core'
import { sharedState } from '@intervai/metrics-core/internal'
import { COMPONENT, METHOD_COUNT, errorKind, methodLabel } from './labels.js'
import { RouteRecorder } from './recorder.js'

/**
 * The three HTTP metrics of one registry, with the series caches every app and middleware
 * recording into them shares (per-method gauge series, per-route recorders).
 */
export class HttpMetrics {
  /** `http_server_active_requests{method}`. */
  readonly active: Gauge<'method'>
  /** `http_server_errors_total{method,route,error}`. */
  readonly errors: Counter<'method' | 'route' | 'error'>
  /** Maps error codes and class names to at most 50 label values. */
  private readonly errorLabel = boundedLabel({ limit: 50, maxLength: 64 })
  private readonly activeSeries: (GaugeSeries | undefined)[] = new Array(METHOD_COUNT).fill(undefined)
  private readonly routes = new Map<string, RouteRecorder>()

  constructor(
    /** Where recording failures are counted. */
    readonly metrics: Metrics,
    /** `http_server_request_duration_seconds{method,route,status_code}`. */
    readonly duration: Histogram<'method' | 'route' | 'status_code'>,
  ) {
    this.active = metrics.gauge(metricCatalog.http.activeRequests)
    this.errors = metrics.counter(metricCatalog.http.errors)
  }

  /** The in-flight gauge series of a method index, created (at 0) on first use. */
  activeOf(index: number): GaugeSeries {
    return (this.activeSeries[index] ??= this.active.labels(methodLabel(index)))
  }

  /** The recorder of a route template, created on first use. */
  route(template: string): RouteRecorder {
    let recorder = this.routes.get(template)
    if (recorder === undefined) {
      recorder = new RouteRecorder(this.duration, template)
      this.routes.set(template, recorder)
    }
    return recorder
  }

  /** Counts one handler error; never throws. */
  countError(method: number, route: string, error: unknown): void {
    try {
      this.errors.labels(methodLabel(method), route, this.errorLabel(errorKind(error))).inc()
    } catch (failure) {
      this.metrics.recordError(COMPONENT, failure)
    }
  }
}

/**
 * The HTTP metrics on the registry of `metrics`, made once and shared by every app, plugin
 * registration and middleware recording there. Buckets other than those already on the
 * registry throw core's conflict error, which names both.
 */
export function httpMetrics(metrics: Metrics, buckets: readonly number[]): HttpMetrics {
  const duration = metrics.histogram({ ...metricCatalog.http.requestDuration, buckets })
  return sharedState(duration, '@intervai/metrics-http', () => new HttpMetrics(metrics, duration))
}
