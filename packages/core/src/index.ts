export { createMetrics, resolveMetrics, Metrics, INSTRUMENTATION_ERRORS } from './metrics.js'
export type { CreateMetricsOptions, GaugeDefinition, HistogramDefinition } from './metrics.js'
export { Counter, CounterSeries } from './counter.js'
export { Gauge, GaugeSeries } from './gauge.js'
export type { GaugeCollector } from './gauge.js'
export { Histogram, HistogramSeries } from './histogram.js'
export type { ExpositionFormat, LabelValue, MetricDefinition, MetricSample, MetricSnapshot } from './metric.js'
export { boundedLabel } from './bounded.js'
export type { BoundedLabel, BoundedLabelOptions } from './bounded.js'
export { negotiateFormat, contentTypeOf, renderRegistry, PROMETHEUS_CONTENT_TYPE, OPENMETRICS_CONTENT_TYPE } from './render.js'
export { metricsHandler, serveMetrics } from './server.js'
export type { Exposition, HandlerOptions, MetricsServer, RenderFn, ServeOptions } from './server.js'
export { checkAuth, isAuthorized, challengeOf } from './auth.js'
export type { MetricsAuth } from './auth.js'
export { shareWithPrimary, clusterAggregator } from './cluster.js'
export type { ClusterAggregator, ClusterAggregatorOptions, ClusterWorkerHandle } from './cluster.js'
export { optionError, describeValue } from './errors.js'
export {
  checkBoolean,
  checkBuckets,
  checkFunction,
  checkLabelNames,
  checkLabelValues,
  checkMetricName,
  checkNumber,
  checkObject,
  checkPrefix,
  checkString,
} from './validate.js'
export { escapeLabelValue } from './escape.js'
