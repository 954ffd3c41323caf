import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { FastifyContextConfig, FastifyPluginCallback, RouteShorthandOptions } from 'fastify'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { expressHttpMetrics, type ExpressHttpMetricsMiddleware } from '../src/express-entry.js'
import { fastifyHttpMetrics, type FastifyHttpMetricsOptions } from '../src/fastify-entry.js'

describe('types', () => {
  it('types the route opt-out by declaration merging and the plugin options', () => {
    expectTypeOf<FastifyContextConfig['metrics']>().toEqualTypeOf<boolean | undefined>()
    expectTypeOf<{ config: { metrics: false } }>().toMatchTypeOf<RouteShorthandOptions>()
    expectTypeOf(fastifyHttpMetrics).toMatchTypeOf<FastifyPluginCallback<FastifyHttpMetricsOptions>>()
    expectTypeOf(expressHttpMetrics).returns.toEqualTypeOf<ExpressHttpMetricsMiddleware>()
    // @ts-expect-error metrics in route config is a boolean
    const bad: FastifyContextConfig = { metrics: 'no' }
    expect(bad).toBeDefined()
  })

  it('type-checks this file with tsc, so the assertions above are enforced', () => {
    const project = fileURLToPath(new URL('./tsconfig.json', import.meta.url))
    const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url))
    const result = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' })
    expect(`${result.stdout}${result.stderr}`).toBe('')
    expect(result.status).toBe(0)
  })
})
