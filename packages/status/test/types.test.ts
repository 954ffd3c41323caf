import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { FastifyContextConfig, FastifyPluginCallback } from 'fastify'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { expressStatusPage, type ExpressStatusPage } from '../src/express-entry.js'
import { fastifyStatusPage, type FastifyStatusPageOptions } from '../src/fastify-entry.js'
import type { BusinessPanel, StatusData, StatusRoutes } from '../src/index.js'
import { statusRoutes } from '../src/index.js'

describe('types', () => {
  it('types the plugin, the middleware, the routes and the data', () => {
    expectTypeOf<FastifyContextConfig['metrics']>().toEqualTypeOf<boolean | undefined>()
    expectTypeOf(fastifyStatusPage).toMatchTypeOf<FastifyPluginCallback<FastifyStatusPageOptions>>()
    expectTypeOf(expressStatusPage).returns.toEqualTypeOf<ExpressStatusPage>()
    expectTypeOf(statusRoutes).returns.toEqualTypeOf<StatusRoutes>()
    expectTypeOf<StatusData['alerts'][number]['state']>().toEqualTypeOf<'inactive' | 'pending' | 'firing'>()
    const panel: BusinessPanel = { title: 'Jobs per hour', rate: 'jobs_total', per: 'hour' }
    // @ts-expect-error a panel has one figure: rate, average or ratio
    const none: BusinessPanel = { title: 'Nothing' }
    // @ts-expect-error `per` belongs to a rate
    const wrong: BusinessPanel = { title: 'Average', average: 'sizes', per: 'hour' }
    expect([panel, none, wrong].length).toBe(3)
  })

  it('type-checks this file with tsc, so the assertions above are enforced', () => {
    const project = fileURLToPath(new URL('./tsconfig.json', import.meta.url))
    const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url))
    const result = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' })
    expect(`${result.stdout}${result.stderr}`).toBe('')
    expect(result.status).toBe(0)
  })
})
