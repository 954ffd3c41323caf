import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { findTool } from '../../../test/support/tools.js'
import { promtoolCheckMetrics } from '../../../test/support/promtool.js'
import { fastifyHttpMetrics } from '../src/fastify-entry.js'
import { COUNT, ERRORS, freshMetrics, parseExposition, sumOf, until, valueOf } from './helpers.js'

const HOSTILE = ['say "hi"', 'back\\slash', 'new\nline', '__proto__']

function hostileError(name: string): Error {
  class Hostile extends Error {}
  Object.defineProperty(Hostile, 'name', { value: name })
  return new Hostile('hostile')
}

async function hostileScrape(accept?: string): Promise<string> {
  const metrics = freshMetrics()
  const app = Fastify()
  await app.register(fastifyHttpMetrics, { metrics })
  app.get('/__proto__/:constructor', async (request) => {
    throw hostileError(HOSTILE[Number((request.params as { constructor: string }).constructor)] as string)
  })
  for (let i = 0; i < HOSTILE.length; i++) await app.inject(`/__proto__/${i}`)
  await until(async () => sumOf(parseExposition((await metrics.render()).body), COUNT) === HOSTILE.length)
  await app.close()
  return (await metrics.render(accept)).body
}

describe('exposition of the HTTP metrics', () => {
  it('parses back in Prometheus text with hostile error names and a __proto__ route intact', async () => {
    const parsed = parseExposition(await hostileScrape())
    for (const name of HOSTILE) {
      expect(valueOf(parsed, ERRORS, { method: 'GET', route: '/__proto__/:constructor', error: name })).toBe(1)
    }
    expect(valueOf(parsed, COUNT, { method: 'GET', route: '/__proto__/:constructor', status_code: '500' })).toBe(4)
  })

  it('parses back in OpenMetrics, ending with # EOF', async () => {
    const text = await hostileScrape('application/openmetrics-text; version=1.0.0')
    expect(text.endsWith('# EOF\n')).toBe(true)
    const parsed = parseExposition(text)
    for (const name of HOSTILE) {
      expect(valueOf(parsed, ERRORS, { method: 'GET', route: '/__proto__/:constructor', error: name })).toBe(1)
    }
  })

  const promtool = findTool('promtool')
  it.skipIf(!promtool)('passes promtool check metrics (skipped only where promtool is not installed and not required)', async () => {
    const { status, output } = promtoolCheckMetrics(promtool as string, await hostileScrape())
    expect(output).toBe('')
    expect(status).toBe(0)
  })
})
