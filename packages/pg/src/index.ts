export { instrumentPool } from './instrument.js'
export type { InstrumentedPool } from './instrument.js'
export type { PgMetricsOptions, SlowQuery } from './options.js'
