// The Fastify plugin and the Express handler are `@intervai/metrics-status/fastify` and
// `/express` (fastify-entry.ts, express-entry.ts): a framework's types load only where it is used.
export { statusRoutes } from './routes.js'
export type { NodeHandler, StatusRoutes } from './routes.js'
export type { BusinessPanel, BusinessPanelValue, PrometheusSource, StatusPageOptions, StatusUnit } from './types.js'
export type { AlertStatus, StatusChart, StatusData, StatusGroup, StatusLine, StatusStat, StatusTable } from './data.js'
