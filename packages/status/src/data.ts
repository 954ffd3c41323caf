import type { AlertArea, Severity, ThresholdKind } from '@intervai/metrics-catalog'
import type { StatusUnit } from './types.js'

/** The state of one alert at one severity, for one label set (a pool, a server, a mount point). */
export interface AlertStatus {
  /** The `alertname`. */
  alert: string
  severity: Severity
  area: AlertArea
  kind: ThresholdKind
  /** What is measured, in words. */
  measures: string
  /** The labels that tell this instance apart (`{ pool: 'main' }`); `{}` for the service as a whole. */
  labels: Record<string, string>
  /** `firing` once the value stayed above the threshold for `for`; `pending` before that. */
  state: 'inactive' | 'pending' | 'firing'
  /** The measured value; null when there is none (no traffic, metric not collected). */
  value: number | null
  threshold: number
  /** The `for` duration, as a Prometheus duration. */
  for: string
  /** Since when (ms since the epoch) the value has been above the threshold; null while inactive. */
  activeAt: number | null
  /** When the alert started firing; null unless firing. */
  firingAt: number | null
  /** Link to the alert's runbook. */
  runbook: string
}

/** One big number of a group. */
export interface StatusStat {
  id: string
  label: string
  value: number | null
  unit: StatusUnit
}

/** One line of a chart, aligned with `StatusData.t`. */
export interface StatusLine {
  label: string
  values: (number | null)[]
}

/** One chart: its lines and the alert thresholds drawn across it. */
export interface StatusChart {
  id: string
  title: string
  unit: StatusUnit
  description?: string
  lines: StatusLine[]
  thresholds: { severity: Severity; value: number }[]
}

/** A table (the slowest and most failing routes). */
export interface StatusTable {
  id: string
  title: string
  columns: { id: string; label: string; unit?: StatusUnit }[]
  rows: Record<string, string | number | null>[]
}

/** One section of the page (API, WebSocket, database, quotas, system, runtime, business). */
export interface StatusGroup {
  id: string
  title: string
  /** Whether any of its metrics is collected. */
  available: boolean
  /** What to do to get it, when it is not. */
  hint?: string
  stats: StatusStat[]
  charts: StatusChart[]
  tables: StatusTable[]
}

/** What `<path>/data` answers: everything the page shows. */
export interface StatusData {
  source: 'sampler' | 'prometheus'
  /** When these figures were taken (ms since the epoch). */
  now: number
  intervalMs: number
  historyMs: number
  /** The window of every rate, ratio, average and quantile (`alerts.windows.rate`). */
  window: string
  /** Time of every point of the chart lines, in seconds since the epoch. */
  t: number[]
  alerts: AlertStatus[]
  groups: StatusGroup[]
  /** Why figures are missing (Prometheus unreachable), if they are. */
  error?: string
}
