// `@intervai/metrics-status/express`: the Express handler. Its own entry, like the Fastify
// plugin's, so that an app loads only the code of its own framework.
export { expressStatusPage } from './express.js'
export type { ExpressStatusPage, ExpressStatusPageOptions } from './express.js'
export type { BusinessPanel, BusinessPanelValue, PrometheusSource, StatusPageOptions, StatusUnit } from './types.js'
