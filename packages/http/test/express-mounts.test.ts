import express, { type ErrorRequestHandler, type Express } from 'express'
import express4 from 'express4'
import { afterEach, describe, expect, it } from 'vitest'
import type { Metrics } from '@intervai/metrics-core'
import { expressHttpMetrics, type ExpressHttpMetricsMiddleware } from '../src/express-entry.js'
import { ACTIVE, closeServers, COUNT, countsOf, listenOn, ERRORS, freshMetrics, scrape, sendAll, sorted, sumOf, UNMATCHED_ROUTE, until, valueOf, type Planned } from './helpers.js'

afterEach(closeServers)

type ExpressFactory = typeof express

/** An app of `factory` (Express 5 or 4) with the middleware first and its error handler after `routes`. */
function appWith(factory: ExpressFactory, metrics: Metrics, routes: (app: Express, m: ExpressHttpMetricsMiddleware) => void): Express {
  const app = factory()
  // Keeps Express's final handler from printing a stack trace for each 500.
  app.set('env', 'test')
  const m = expressHttpMetrics({ metrics })
  app.use(m)
  routes(app, m)
  app.use(m.errorHandler)
  return app
}

async function listen(app: Express): Promise<string> {
  return (await listenOn(app)).base
}

/** `app.use('/tenants/:t', router)` with `/profile` and `/items/:id`, from `factory`. */
function tenantRoutes(factory: ExpressFactory): (app: Express) => void {
  return (app) => {
    const tenant = factory.Router()
    tenant.get('/profile', (_req, res) => {
      res.send('profile')
    })
    tenant.get('/items/:id', (req, res) => {
      res.json({ id: req.params.id })
    })
    app.use('/tenants/:t', tenant)
  }
}

/** The `route` label values of the duration histogram. */
async function routeLabels(metrics: Metrics): Promise<string[]> {
  const routes = new Set<string>()
  for (const sample of (await scrape(metrics)).samples) if (sample.name === COUNT) routes.add(sample.labels.route as string)
  return [...routes].sort()
}

async function lineCount(metrics: Metrics): Promise<number> {
  return (await metrics.render()).body.split('\n').length
}

/** Two requests per tenant, tenants `from` .. `to - 1`. */
function tenantPlan(from: number, to: number, profile: string, items: string): Planned[] {
  const plan: Planned[] = []
  for (let i = from; i < to; i++) {
    plan.push({ method: 'GET', path: `/tenants/t${i}/profile`, route: profile })
    plan.push({ method: 'GET', path: `/tenants/t${i}/items/${i}`, route: items })
  }
  return plan
}

async function get(url: string): Promise<number> {
  const response = await fetch(url)
  await response.text()
  return response.status
}

const rethrow: ErrorRequestHandler = (error, _req, _res, next) => next(error)

describe('expressHttpMetrics with mounted routers (Express 5)', () => {
  it('records a router mounted under a parameter by its full templates for 5,000 tenants, and 1,000 more tenants add no series', async () => {
    const metrics = freshMetrics()
    const base = await listen(appWith(express, metrics, tenantRoutes(express)))
    const tally = await sendAll(base, tenantPlan(0, 5000, '/tenants/:t/profile', '/tenants/:t/items/:id'), 50)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 10_000)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual(sorted(tally))
    expect(sorted(tally)).toEqual([
      ['GET /tenants/:t/items/:id 200', 5000],
      ['GET /tenants/:t/profile 200', 5000],
    ])
    const before = await lineCount(metrics)

    const more = await sendAll(base, tenantPlan(5000, 6000, '/tenants/:t/profile', '/tenants/:t/items/:id'), 50)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 12_000)
    expect(sorted(more)).toEqual([
      ['GET /tenants/:t/items/:id 200', 1000],
      ['GET /tenants/:t/profile 200', 1000],
    ])
    expect(await lineCount(metrics)).toBe(before)
    expect(await routeLabels(metrics)).toEqual(['/tenants/:t/items/:id', '/tenants/:t/profile'])
    expect(valueOf(await scrape(metrics), ACTIVE, { method: 'GET' })).toBe(0)
  })

  it('records nested routers, a mounted sub-app, an array path and a regular expression by their templates', async () => {
    const metrics = freshMetrics()
    const app = appWith(express, metrics, (app) => {
      const users = express.Router()
      users.get('/users/:id', (_req, res) => {
        res.send('user')
      })
      const v1 = express.Router()
      v1.use('/v1/:org', users)
      const api = express.Router()
      api.use((_req, _res, next) => next()) // plain middleware in the chain names nothing
      api.use(v1)
      api.get('/status', (_req, res) => {
        res.send('ok')
      })
      app.use('/api', api)

      const admin = express()
      admin.get('/stats', (_req, res) => {
        res.send('stats')
      })
      const reports = express.Router()
      reports.get('/:year', (_req, res) => {
        res.send('report')
      })
      admin.use('/reports', reports)
      app.use('/admin', admin)

      app.get(['/a/:x', '/b/:x'], (_req, res) => {
        res.send('either')
      })
      app.get(/^\/re\/(\d+)$/, (_req, res) => {
        res.send('regex')
      })
      app.get('/plain', (_req, res) => {
        res.send('plain')
      })
    })
    const base = await listen(app)
    const plan: Planned[] = []
    for (let i = 0; i < 200; i++) {
      plan.push({ method: 'GET', path: `/api/v1/org${i}/users/${i}`, route: '/api/v1/:org/users/:id' })
      plan.push({ method: 'GET', path: '/api/status', route: '/api/status' })
      plan.push({ method: 'GET', path: '/admin/stats', route: '/admin/stats' })
      plan.push({ method: 'GET', path: `/admin/reports/${2000 + i}`, route: '/admin/reports/:year' })
      plan.push({ method: 'GET', path: `/a/${i}`, route: '/a/:x' })
      plan.push({ method: 'GET', path: `/b/${i}`, route: '/b/:x' })
      plan.push({ method: 'GET', path: `/re/${i}`, route: String(/^\/re\/(\d+)$/) })
      plan.push({ method: 'GET', path: '/plain', route: '/plain' })
    }
    const tally = await sendAll(base, plan, 20)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 1600)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual(sorted(tally))
    expect(sorted(tally)).toEqual(
      [
        'GET /a/:x 200',
        'GET /admin/reports/:year 200',
        'GET /admin/stats 200',
        'GET /api/status 200',
        'GET /api/v1/:org/users/:id 200',
        'GET /b/:x 200',
        'GET /plain 200',
        `GET ${String(/^\/re\/(\d+)$/)} 200`,
      ]
        .sort()
        .map((key) => [key, 200]),
    )
  })

  it('names the router a route ran in, not one the request passed through, and <mount> for mount paths no event shows', async () => {
    const metrics = freshMetrics()
    const app = appWith(express, metrics, (app) => {
      // The same route path in an outer and an inner router: GET falls out of the inner one.
      const inner = express.Router()
      inner.post('/*rest', (_req, res) => {
        res.send('inner')
      })
      const outer = express.Router()
      outer.use('/i', inner)
      outer.get('/*rest', (_req, res) => {
        res.send('outer')
      })
      app.use('/o', outer)
      // One router at two mount paths, and a router mounted at an array of paths.
      const twice = express.Router()
      twice.get('/x', (_req, res) => {
        res.send('x')
      })
      app.use('/first/:a', twice)
      app.use('/second/:b', twice)
      const both = express.Router()
      both.get('/y', (_req, res) => {
        res.send('y')
      })
      app.use(['/p/:a', '/q/:b'], both)
      // A sub-app mounted on a router (not with app.use): Express gives it no mount path.
      const sub = express()
      sub.get('/stats', (_req, res) => {
        res.send('stats')
      })
      const years = express.Router()
      years.get('/:year', (_req, res) => {
        res.send('year')
      })
      sub.use('/reports', years)
      const api = express.Router()
      api.use('/admin', sub)
      app.use('/api', api)
    })
    // The middleware mounted only inside a router: the router's own mount is never seen.
    const versioned = express.Router()
    const inside = expressHttpMetrics({ metrics })
    versioned.use(inside)
    const deeper = express.Router()
    deeper.get('/:id', (_req, res) => {
      res.send('deeper')
    })
    versioned.use('/deep', deeper)
    versioned.get('/items/:id', (_req, res) => {
      res.send('item')
    })
    const other = express()
    other.use('/v/:version', versioned)
    other.get('/v/:version/fallback', (_req, res) => {
      res.send('app level')
    })

    const base = await listen(app)
    const otherBase = await listen(other)
    const plan: Planned[] = []
    const otherPlan: Planned[] = []
    for (let i = 0; i < 100; i++) {
      plan.push({ method: 'GET', path: `/o/i/q${i}`, route: '/o/*rest' })
      plan.push({ method: 'POST', path: `/o/i/q${i}`, route: '/o/i/*rest' })
      plan.push({ method: 'GET', path: `/first/${i}/x`, route: '/first/:a/x' })
      plan.push({ method: 'GET', path: `/second/${i}/x`, route: '/second/:b/x' })
      plan.push({ method: 'GET', path: `/p/${i}/y`, route: '/p/:a/y' })
      plan.push({ method: 'GET', path: `/q/${i}/y`, route: '/q/:b/y' })
      plan.push({ method: 'GET', path: '/api/admin/stats', route: '<mount>/stats' })
      plan.push({ method: 'GET', path: `/api/admin/reports/${2000 + i}`, route: '<mount>/reports/:year' })
      otherPlan.push({ method: 'GET', path: `/v/v${i}/items/${i}`, route: '<mount>/items/:id' })
      otherPlan.push({ method: 'GET', path: `/v/v${i}/deep/${i}`, route: '<mount>/deep/:id' })
      otherPlan.push({ method: 'GET', path: `/v/v${i}/fallback`, route: '/v/:version/fallback' })
    }
    const tally = await sendAll(base, plan, 10)
    const otherTally = await sendAll(otherBase, otherPlan, 10)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 1100)
    for (const [key, count] of otherTally) tally.set(key, count)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual(sorted(tally))
    expect(sorted(tally)).toEqual(
      [
        'GET /o/*rest 200',
        'POST /o/i/*rest 200',
        'GET /first/:a/x 200',
        'GET /second/:b/x 200',
        'GET /p/:a/y 200',
        'GET /q/:b/y 200',
        'GET <mount>/stats 200',
        'GET <mount>/reports/:year 200',
        'GET <mount>/items/:id 200',
        'GET <mount>/deep/:id 200',
        'GET /v/:version/fallback 200',
      ]
        .sort()
        .map((key) => [key, 100]),
    )
  })

  it('records an error thrown in a router mounted at /api under /api/boom, with the 500 the app-level handler sends', async () => {
    const metrics = freshMetrics()
    const app = express()
    app.set('env', 'test')
    const m = expressHttpMetrics({ metrics })
    app.use(m)
    const api = express.Router()
    api.get('/boom', (req) => {
      throw new Error(`boom ${String(req.query.n)}`)
    })
    api.get('/later/:n', async (req, res) => {
      await new Promise((resolve) => setImmediate(resolve))
      if (Number(req.params.n) % 2 === 1) throw new RangeError('odd')
      res.send('even')
    })
    app.use('/api', api)
    app.use(m.errorHandler)
    app.use(((_error, _req, res, _next) => {
      res.status(500).send('handled by the app')
    }) as ErrorRequestHandler)
    const base = await listen(app)
    const plan: Planned[] = []
    for (let i = 0; i < 300; i++) {
      plan.push({ method: 'GET', path: `/api/boom?n=${i}`, route: '/api/boom' })
      plan.push({ method: 'GET', path: `/api/later/${i}`, route: '/api/later/:n' })
    }
    const tally = await sendAll(base, plan, 20)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 600)
    const parsed = await scrape(metrics)
    expect(sorted(countsOf(parsed))).toEqual(sorted(tally))
    expect(sorted(tally)).toEqual([
      ['GET /api/boom 500', 300],
      ['GET /api/later/:n 200', 150],
      ['GET /api/later/:n 500', 150],
    ])
    expect(valueOf(parsed, ERRORS, { method: 'GET', route: '/api/boom', error: 'Error' })).toBe(300)
    expect(valueOf(parsed, ERRORS, { method: 'GET', route: '/api/later/:n', error: 'RangeError' })).toBe(150)
    expect(sumOf(parsed, ERRORS)).toBe(450)
  })

  it('records 2,000 URLs with bad %-escapes and 2,000 random unmatched paths under __unmatched only', async () => {
    const metrics = freshMetrics()
    const base = await listen(appWith(express, metrics, tenantRoutes(express)))
    const plan: Planned[] = []
    for (let i = 0; i < 500; i++) {
      plan.push({ method: 'GET', path: `/%zz/anything-${i}`, route: UNMATCHED_ROUTE })
      plan.push({ method: 'GET', path: `/tenants/%zz${i}/profile`, route: UNMATCHED_ROUTE })
      plan.push({ method: 'GET', path: `/tenants/t${i}/items/%E0%A4${i}`, route: UNMATCHED_ROUTE })
      plan.push({ method: 'GET', path: `/tenants/t${i}/%zz/items/${i}`, route: UNMATCHED_ROUTE })
    }
    for (let i = 0; i < 1000; i++) {
      plan.push({ method: 'GET', path: `/${Math.random().toString(36).slice(2)}/${i}`, route: UNMATCHED_ROUTE })
      plan.push({ method: 'GET', path: `/tenants/t${i}/${Math.random().toString(36).slice(2)}`, route: UNMATCHED_ROUTE })
    }
    const tally = await sendAll(base, plan, 50)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 4000)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual(sorted(tally))
    // Express answers an undecodable parameter with 400 (router/lib/layer.js, decodeParam) and
    // an escape it never has to decode with 404; both stay in one route value.
    expect(sorted(tally)).toEqual([
      [`GET ${UNMATCHED_ROUTE} 400`, 1000],
      [`GET ${UNMATCHED_ROUTE} 404`, 3000],
    ])
    expect(await routeLabels(metrics)).toEqual([UNMATCHED_ROUTE])
  })

  it.each([
    ['Express 5', express],
    ['Express 4', express4 as unknown as ExpressFactory],
  ])('records HEAD to a route with no GET handler (%s answers 404) under __unmatched, and HEAD to a GET route under its template', async (_name, factory) => {
    const metrics = freshMetrics()
    const base = await listen(
      appWith(factory, metrics, (app) => {
        app.post('/submit', (_req, res) => {
          res.send('ok')
        })
        const tenant = factory.Router()
        tenant.post('/sql', (_req, res) => {
          res.send('ok')
        })
        tenant.get('/items/:id', (_req, res) => {
          res.send('item')
        })
        app.use('/tenants/:t', tenant)
      }),
    )
    const plan: Planned[] = []
    for (let i = 0; i < 100; i++) {
      plan.push({ method: 'HEAD', path: '/submit', route: UNMATCHED_ROUTE })
      plan.push({ method: 'HEAD', path: `/tenants/t${i}/sql`, route: UNMATCHED_ROUTE })
      plan.push({ method: 'HEAD', path: `/tenants/t${i}/items/${i}`, route: factory === express ? '/tenants/:t/items/:id' : '<mount>/items/:id' })
    }
    const tally = await sendAll(base, plan, 20)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 300)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual(sorted(tally))
    expect(sorted(tally)).toEqual([
      [`HEAD ${factory === express ? '/tenants/:t/items/:id' : '<mount>/items/:id'} 200`, 100],
      [`HEAD ${UNMATCHED_ROUTE} 404`, 200],
    ])
  })

  it('records case variants of a mounted route under its template (Express matches case-insensitively)', async () => {
    const metrics = freshMetrics()
    const base = await listen(appWith(express, metrics, tenantRoutes(express)))
    const plan: Planned[] = []
    for (let i = 0; i < 1000; i++) {
      const upper = i.toString(2).padStart(10, '0')
      const variant = [...'/tenants/'].map((c, k) => (upper[k % 10] === '1' ? c.toUpperCase() : c)).join('')
      plan.push({ method: 'GET', path: `${variant}T${i}/PROFILE`, route: '/tenants/:t/profile' })
    }
    const tally = await sendAll(base, plan, 20)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 1000)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual([['GET /tenants/:t/profile 200', 1000]])
    expect(sorted(tally)).toEqual([['GET /tenants/:t/profile 200', 1000]])
  })

  it('counts each request once when the middleware is mounted twice, in a router too, and beside a second one on the same metrics', async () => {
    const metrics = freshMetrics()
    const app = express()
    const m = expressHttpMetrics({ metrics })
    const other = expressHttpMetrics({ metrics })
    app.use(m)
    app.use(m)
    app.use(other)
    const tenant = express.Router()
    tenant.use(m)
    tenant.get('/items/:id', (_req, res) => {
      res.send('item')
    })
    tenant.get('/fail', () => {
      throw new Error('fail')
    })
    tenant.use(m.errorHandler)
    app.use('/tenants/:t', tenant)
    app.use(m.errorHandler)
    app.use(other.errorHandler)
    app.set('env', 'test')
    const base = await listen(app)
    const plan: Planned[] = []
    for (let i = 0; i < 500; i++) {
      plan.push({ method: 'GET', path: `/tenants/t${i}/items/${i}`, route: '/tenants/:t/items/:id' })
      plan.push({ method: 'GET', path: `/tenants/t${i}/fail`, route: '/tenants/:t/fail' })
    }
    const tally = await sendAll(base, plan, 20)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 1000)
    const parsed = await scrape(metrics)
    expect(sorted(countsOf(parsed))).toEqual(sorted(tally))
    expect(sorted(tally)).toEqual([
      ['GET /tenants/:t/fail 500', 500],
      ['GET /tenants/:t/items/:id 200', 500],
    ])
    expect(sumOf(parsed, ERRORS)).toBe(500)
    expect(valueOf(parsed, ERRORS, { method: 'GET', route: '/tenants/:t/fail', error: 'Error' })).toBe(500)
    expect(valueOf(parsed, ACTIVE, { method: 'GET' })).toBe(0)
  })

  it('records a request once, in the first middleware, and warns once when a second one has other metrics', async () => {
    const metrics = freshMetrics()
    const otherMetrics = freshMetrics()
    const app = express()
    app.use(expressHttpMetrics({ metrics }))
    app.use(expressHttpMetrics({ metrics: otherMetrics }))
    app.get('/users/:id', (_req, res) => {
      res.send('user')
    })
    const base = await listen(app)
    const warnings: string[] = []
    const listener = (warning: Error & { code?: string }): void => {
      if (warning.code === 'INTERVAI_METRICS_INSTRUMENTED_TWICE') warnings.push(warning.message)
    }
    process.on('warning', listener)
    try {
      for (let i = 0; i < 5; i++) expect(await get(`${base}/users/${i}`)).toBe(200)
      await until(async () => sumOf(await scrape(metrics), COUNT) === 5)
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.off('warning', listener)
    }
    expect(sorted(countsOf(await scrape(metrics)))).toEqual([['GET /users/:id 200', 5]])
    expect(sumOf(await scrape(otherMetrics), COUNT)).toBe(0)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('the first one stays in effect')
  })

  it('keeps the error handler passing the error on to the next one', async () => {
    const metrics = freshMetrics()
    const seen: unknown[] = []
    const app = appWith(express, metrics, (app) => {
      app.get('/fail', () => {
        throw new TypeError('bad')
      })
    })
    app.use(rethrow)
    app.use(((error, _req, res, _next) => {
      seen.push(error)
      res.status(503).send('down')
    }) as ErrorRequestHandler)
    const base = await listen(app)
    const response = await fetch(`${base}/fail`)
    expect(response.status).toBe(503)
    await response.text()
    await until(async () => sumOf(await scrape(metrics), COUNT) === 1)
    expect(seen).toHaveLength(1)
    expect(seen[0]).toBeInstanceOf(TypeError)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual([['GET /fail 503', 1]])
  })
})

describe('expressHttpMetrics on Express 4 (no router events)', () => {
  it('records routes of a router mounted under a parameter as <mount> + the route path: one series per route for 2,000 tenants', async () => {
    const metrics = freshMetrics()
    const base = await listen(
      appWith(express4, metrics, (app) => {
        tenantRoutes(express4)(app)
        app.get('/users/:id', (_req, res) => {
          res.send('user')
        })
      }),
    )
    const plan = tenantPlan(0, 2000, '<mount>/profile', '<mount>/items/:id')
    for (let i = 0; i < 100; i++) plan.push({ method: 'GET', path: `/users/${i}`, route: '/users/:id' })
    const tally = await sendAll(base, plan, 50)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 4100)
    expect(sorted(countsOf(await scrape(metrics)))).toEqual(sorted(tally))
    expect(sorted(tally)).toEqual([
      ['GET /users/:id 200', 100],
      ['GET <mount>/items/:id 200', 2000],
      ['GET <mount>/profile 200', 2000],
    ])
    const before = await lineCount(metrics)
    await sendAll(base, tenantPlan(2000, 3000, '<mount>/profile', '<mount>/items/:id'), 50)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 6100)
    expect(await lineCount(metrics)).toBe(before)
    expect(valueOf(await scrape(metrics), ACTIVE, { method: 'GET' })).toBe(0)
  })

  it('records an error thrown in a router mounted at /api in the series of its other responses', async () => {
    const metrics = freshMetrics()
    const app = express4()
    app.set('env', 'test')
    const m = expressHttpMetrics({ metrics })
    app.use(m)
    const api = express4.Router()
    api.get('/maybe/:n', (req, res) => {
      if (Number(req.params.n) % 2 === 1) throw new Error('odd')
      res.send('even')
    })
    app.use('/api', api)
    app.get('/own/:n', () => {
      throw new RangeError('own')
    })
    app.use(m.errorHandler)
    app.use(((_error, _req, res, _next) => {
      res.status(500).send('handled by the app')
    }) as ErrorRequestHandler)
    const base = await listen(app)
    const plan: Planned[] = []
    for (let i = 0; i < 200; i++) plan.push({ method: 'GET', path: `/api/maybe/${i}`, route: '<mount>/maybe/:n' })
    for (let i = 0; i < 50; i++) plan.push({ method: 'GET', path: `/own/${i}`, route: '/own/:n' })
    const tally = await sendAll(base, plan, 20)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 250)
    const parsed = await scrape(metrics)
    expect(sorted(countsOf(parsed))).toEqual(sorted(tally))
    expect(sorted(tally)).toEqual([
      ['GET /own/:n 500', 50],
      ['GET <mount>/maybe/:n 200', 100],
      ['GET <mount>/maybe/:n 500', 100],
    ])
    expect(valueOf(parsed, ERRORS, { method: 'GET', route: '<mount>/maybe/:n', error: 'Error' })).toBe(100)
    expect(valueOf(parsed, ERRORS, { method: 'GET', route: '/own/:n', error: 'RangeError' })).toBe(50)
  })

  it('records 1,000 URLs with bad %-escapes and random unmatched paths under __unmatched only', async () => {
    const metrics = freshMetrics()
    const base = await listen(appWith(express4, metrics, tenantRoutes(express4)))
    const plan: Planned[] = []
    for (let i = 0; i < 250; i++) {
      plan.push({ method: 'GET', path: `/%zz/anything-${i}`, route: UNMATCHED_ROUTE })
      plan.push({ method: 'GET', path: `/tenants/%zz${i}/profile`, route: UNMATCHED_ROUTE })
      plan.push({ method: 'GET', path: `/tenants/t${i}/items/%zz${i}`, route: UNMATCHED_ROUTE })
      plan.push({ method: 'GET', path: `/tenants/t${i}/${Math.random().toString(36).slice(2)}`, route: UNMATCHED_ROUTE })
    }
    await sendAll(base, plan, 50)
    await until(async () => sumOf(await scrape(metrics), COUNT) === 1000)
    expect(await routeLabels(metrics)).toEqual([UNMATCHED_ROUTE])
  })
})
