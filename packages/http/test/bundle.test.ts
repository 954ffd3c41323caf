import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { build, type Format } from 'esbuild'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { countsOf, parseExposition, sorted } from './helpers.js'

// The apps import the package's entries (source); esbuild resolves fastify, express, prom-client and our
// other packages from the repository's node_modules, as it would from an app's.
const resolveDir = fileURLToPath(new URL('.', import.meta.url))
const fastifyEntry = fileURLToPath(new URL('../src/fastify-entry.ts', import.meta.url))
const expressEntry = fileURLToPath(new URL('../src/express-entry.ts', import.meta.url))

const FASTIFY_APP = `
import Fastify from 'fastify'
import { fastifyHttpMetrics } from ${JSON.stringify(fastifyEntry)}

const app = Fastify()
app.register(fastifyHttpMetrics, { expose: true }).after(() => {
  app.get('/users/:id', async () => ({ ok: true }))
  app.register(async (tenant) => {
    tenant.get('/profile', async () => 'profile')
  }, { prefix: '/tenants/:t' })
})
app.listen({ port: 0, host: '127.0.0.1' }).then(() => console.log('PORT ' + app.server.address().port))
`

const EXPRESS_APP = `
import express from 'express'
import { expressHttpMetrics } from ${JSON.stringify(expressEntry)}

const app = express()
const m = expressHttpMetrics({ expose: true })
app.use(m)
app.get('/users/:id', (req, res) => { res.json({ ok: true }) })
const tenant = express.Router()
tenant.get('/profile', (req, res) => { res.send('profile') })
app.use('/tenants/:t', tenant)
app.use(m.errorHandler)
const server = app.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port))
`

// Outside the repository, so the bundle cannot find a node_modules directory.
const outside = await mkdtemp(join(tmpdir(), 'intervai-http-bundle-'))
const children: ChildProcess[] = []

afterEach(async () => {
  await Promise.all(
    children.splice(0).map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = once(child, 'exit')
      child.kill()
      await exited
    }),
  )
})
afterAll(async () => {
  await rm(outside, { recursive: true, force: true })
})

/** Bundles `code` with esbuild into one file in `outside`, and returns its path. */
async function bundle(name: string, code: string, format: Format): Promise<string> {
  const outfile = join(outside, `${name}.${format === 'esm' ? 'mjs' : 'cjs'}`)
  await build({
    stdin: { contents: code, resolveDir, loader: 'ts', sourcefile: `${name}.ts` },
    bundle: true,
    platform: 'node',
    format,
    target: 'node20',
    outfile,
    logLevel: 'silent',
    // The usual banner for ESM bundles: bundled CommonJS code calls require() for Node's modules.
    banner: format === 'esm' ? { js: "import { createRequire as __intervaiRequire } from 'node:module'; const require = __intervaiRequire(import.meta.url);" } : undefined,
  })
  return outfile
}

/** Runs the bundle with `node` in `outside`, and resolves the port it printed. */
async function run(file: string): Promise<string> {
  const child = spawn(process.execPath, [file], { cwd: outside, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })
  const exit = once(child, 'exit').then(([code]) => {
    throw new Error(`bundle exited with ${String(code)} before listening:\n${stderr}`)
  })
  const port = (async () => {
    for await (const line of lines) if (line.startsWith('PORT ')) return line.slice(5)
    return await exit
  })()
  return `http://127.0.0.1:${await Promise.race([port, exit])}`
}

async function get(url: string): Promise<number> {
  const response = await fetch(url)
  await response.text()
  return response.status
}

/** Sends 3 × /users/:id, 5 tenants' /profile and 2 unmatched paths, then reads /metrics. */
async function trafficAndScrape(base: string): Promise<[string, number][]> {
  const statuses: number[] = []
  for (let i = 0; i < 3; i++) statuses.push(await get(`${base}/users/${i}`))
  for (let i = 0; i < 5; i++) statuses.push(await get(`${base}/tenants/t${i}/profile`))
  statuses.push(await get(`${base}/nowhere`), await get(`${base}/%zz/nowhere`))
  expect(statuses.slice(0, 8)).toEqual([200, 200, 200, 200, 200, 200, 200, 200])
  const response = await fetch(`${base}/metrics`)
  expect(response.status).toBe(200)
  return sorted(countsOf(parseExposition(await response.text())))
}

describe('a bundled app (esbuild, run without node_modules)', () => {
  for (const format of ['cjs', 'esm'] as const) {
    it(`registers the Fastify plugin and serves /metrics with exact counts (${format})`, async () => {
      const base = await run(await bundle(`fastify-app-${format}`, FASTIFY_APP, format))
      expect(await trafficAndScrape(base)).toEqual([
        ['GET /tenants/:t/profile 200', 5],
        ['GET /users/:id 200', 3],
        ['GET __unmatched 400', 1],
        ['GET __unmatched 404', 1],
      ])
    })

    it(`runs the Express middleware and serves /metrics with exact counts and full templates (${format})`, async () => {
      const base = await run(await bundle(`express-app-${format}`, EXPRESS_APP, format))
      expect(await trafficAndScrape(base)).toEqual([
        ['GET /tenants/:t/profile 200', 5],
        ['GET /users/:id 200', 3],
        ['GET __unmatched 404', 2],
      ])
    })
  }

  it('ran the bundles where neither fastify nor express can be resolved', async () => {
    expect((await readdir(outside)).sort()).toEqual(['express-app-cjs.cjs', 'express-app-esm.mjs', 'fastify-app-cjs.cjs', 'fastify-app-esm.mjs'])
    const probe = spawnSync(process.execPath, ['-e', "for (const m of ['fastify', 'express', 'prom-client']) { try { require.resolve(m); console.log(m) } catch {} }"], {
      cwd: outside,
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
    })
    expect(probe.stdout).toBe('')
    expect(probe.status).toBe(0)
  })
})
