import type { AlertOptions } from '@intervai/metrics-alerts'
import type { MetricsAuth, MetricsOptions } from '@intervai/metrics-core'

/** How a value is shown: a ratio as a percentage, durations, sizes, rates. */
export type StatusUnit = 'count' | 'ratio' | 'seconds' | 'bytes' | 'bytesPerSecond' | 'perSecond' | 'perMinute' | 'perHour'

/** Where a business panel's figure comes from, besides its title and display. */
export type BusinessPanelValue =
  | {
      /**
       * A counter (or a histogram's count), as a PromQL-style selector:
       * `jobs_total` or `jobs_total{status="done"}`. Charted as its rate over `alerts.windows.rate`.
       */
      rate: string
      /** The rate's time unit. @default 'second' */
      per?: 'second' | 'minute' | 'hour'
      average?: never
      ratio?: never
    }
  | {
      /** A histogram, as a selector: charted as its average observation over `alerts.windows.rate`. */
      average: string
      rate?: never
      per?: never
      ratio?: never
    }
  | {
      /**
       * Two counters, as selectors: charted as `rate(numerator) / rate(denominator)` over
       * `alerts.windows.rate` (an acceptance rate: accepted / all decisions).
       */
      ratio: { numerator: string; denominator: string }
      rate?: never
      per?: never
      average?: never
    }

/** A derived business panel: a title and one figure from the app's own metrics. */
export type BusinessPanel = BusinessPanelValue & {
  /** Panel title, e.g. `Optimizations per hour`. */
  title: string
  /** One line per value of this label (e.g. `status`). @default one line */
  by?: string
  /**
   * How the value is shown. @default 'ratio' for a ratio, the rate's unit for a rate, 'count'
   * for an average
   */
  unit?: StatusUnit
  /** A sentence shown under the title. @default none */
  description?: string
}

/** Reads the page's figures from a Prometheus server instead of the in-process sampler (a fleet). */
export interface PrometheusSource {
  /** Base URL of the Prometheus HTTP API, e.g. `http://prometheus:9090`. */
  prometheus: string
  /** Headers sent with every query, e.g. `{ authorization: 'Bearer …' }`. @default {} */
  headers?: Record<string, string>
  /** Time limit of one query, in milliseconds. @default 5000 */
  timeoutMs?: number
}

/** Options of `fastifyStatusPage`, `expressStatusPage` and `statusRoutes`. */
export interface StatusPageOptions extends MetricsOptions {
  /** Path of the page; its JSON is served at `<path>/data`. @default '/status' */
  path?: string
  /** Require these credentials (bearer or basic), as `/metrics` does. @default none */
  auth?: MetricsAuth
  /** Page title, e.g. the service's name. @default 'Status' */
  title?: string
  /** Milliseconds between two samples of the metrics (and evaluations of the alerts). @default 5000 */
  intervalMs?: number
  /** Milliseconds of history kept and charted. Memory is bounded by it. @default 3600000 (1 h) */
  historyMs?: number
  /**
   * The alert options of `@intervai/metrics-alerts` (`thresholds`, `windows`, `for`), so the page
   * evaluates the same alerts as your Prometheus rules. `selector` and `groupBy` apply to a
   * Prometheus `source` only; `prefix` is the prefix of `metrics`.
   * @default {} (the catalog's thresholds, `windows.rate` 5m, `for` 5m/10m/15m)
   */
  alerts?: AlertOptions
  /**
   * Where the runbook links point: `<runbookBase>#<alertname in lower case>`.
   * @default 'https://github.com/intervai/intervai-metrics/blob/main/packages/alerts/RUNBOOKS.md'
   */
  runbookBase?: string
  /** Derived business panels (rates, averages, ratios of the app's own metrics). @default [] */
  business?: BusinessPanel[]
  /**
   * Also chart every counter and histogram the app registered that the catalog does not name
   * (and no business panel uses). @default true
   */
  discoverBusiness?: boolean
  /** Routes kept for the slowest/failing route tables; later routes are left out. @default 100 */
  maxRoutes?: number
  /** Lines per chart (label values past it share one `_other` line). @default 10 */
  maxLines?: number
  /** Read the figures from a Prometheus server instead (every instance of a fleet). @default the in-process sampler */
  source?: PrometheusSource
}
