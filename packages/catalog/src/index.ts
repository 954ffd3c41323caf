export { metricCatalog, allMetrics, seriesNames } from './metrics.js'
export type { MetricArea, MetricSpec, MetricType } from './metrics.js'
export { buckets } from './buckets.js'
export {
  gcKinds,
  httpLabels,
  networkDirections,
  OVERFLOW_LABEL,
  pgLabels,
  quotaOutcomes,
  streamOutcomes,
  wsCloseCodes,
  wsDirections,
  wsErrorCodes,
  wsFailureReasons,
} from './labels.js'
export type { QuotaOutcome, StreamOutcome, WsCloseCode, WsFailureReason } from './labels.js'
export { alertCatalog, defaultForDurations, defaultWindows, severities } from './alerts.js'
export type { AlertArea, AlertKey, AlertSpec, Severity, ThresholdKind } from './alerts.js'
export { describeValue, optionError, LABEL_NAME_PATTERN, METRIC_NAME_PATTERN, PREFIX_PATTERN } from './errors.js'
export {
  checkInteger,
  checkKnownKeys,
  checkLabelNames,
  checkNumber,
  checkObject,
  checkPrefix,
  checkString,
  isLabelName,
  isPlainObject,
} from './checks.js'
