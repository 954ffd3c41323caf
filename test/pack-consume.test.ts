import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, parse, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { installConsumer, installedAlone, lockedPackages, type ConsumerSpec } from './pack/consumers.js'
import { codeBlocks, writeBlocks } from './pack/readme-blocks.js'
import { registryProblem } from './pack/registry.js'
import { limit, once, run, runAnyway } from './pack/run.js'
import { contentProblems, manifestOf, packageDirs, packAll, type Tarball } from './pack/tarballs.js'

// What is published, tried as a user tries it: every package packed, the tarballs installed in
// projects under the system's temp directory (outside the workspace: no links, no hoisting from
// the monorepo), then type-checked, run, bundled and linted there. The apps run by the
// "at run time" tests use INTERVAI_NODE_BIN when set (another Node.js), else this node.

const root = fileURLToPath(new URL('..', import.meta.url))
const fixtures = join(root, 'test/pack/fixtures')
const tsc = join(root, 'node_modules/typescript/bin/tsc')
const bin = (name: string): string => join(root, 'node_modules/.bin', name)
const nodeBin = process.env.INTERVAI_NODE_BIN || process.execPath
const TIMEOUT = 300_000

const manifests = [manifestOf(root), ...packageDirs(root).map(manifestOf)]
const ours = packageDirs(root).map((dir) => manifestOf(dir).name).sort()
const core = '@intervai/metrics-core'

const consumers = {
  full: {
    packages: ours,
    registry: ['fastify', 'express', '@types/express', 'ws', '@types/ws', 'pg', '@types/pg', '@fastify/rate-limit', '@fastify/websocket', 'prom-client', '@types/node'],
    fixture: 'full',
  },
  expressOnly: {
    packages: [core, '@intervai/metrics-http', '@intervai/metrics-status'],
    registry: ['express', '@types/express', 'prom-client', '@types/node'],
    fixture: 'express-only',
  },
  wsOnly: { packages: [core, '@intervai/metrics-ws'], registry: ['ws', '@types/ws', 'prom-client', '@types/node'], fixture: 'ws-only' },
  quotaOnly: { packages: [core, '@intervai/metrics-quota'], registry: ['pg', '@types/pg', 'prom-client', '@types/node'], fixture: 'quota-only' },
  alertsOnly: { packages: ['@intervai/metrics-alerts'], registry: [] },
} satisfies Record<string, ConsumerSpec>

const unreachable = await registryProblem(root, 'fastify')

// Two cores: at most two installs and two compilers at once.
const installs = limit(2)
const cpu = limit(2)

const workDir = once(async () => mkdtempSync(join(tmpdir(), 'intervai-pack-')))
const packed = once(async () => {
  const dir = join(await workDir(), 'tarballs')
  mkdirSync(dir)
  const tarballs = await packAll(root, dir)
  for (const tarball of tarballs) {
    const unpacked = unpackedDir(dir, tarball)
    mkdirSync(unpacked, { recursive: true })
    await run('tar', ['xzf', tarball.file, '-C', unpacked, '--strip-components=1'], { cwd: dir })
  }
  return new Map(tarballs.map((tarball) => [tarball.name, tarball]))
})
const consumer = Object.fromEntries(
  Object.entries(consumers).map(([key, spec]) => [
    key,
    once(async () => {
      const tarballs = await packed()
      const dir = join(await workDir(), key)
      await installs(() => installConsumer(dir, fixtures, spec, tarballs, manifests))
      return dir
    }),
  ]),
) as Record<keyof typeof consumers, () => Promise<string>>

function unpackedDir(tarballDir: string, tarball: Tarball): string {
  return join(tarballDir, 'unpacked', tarball.name.replace('/', '+'))
}

/** Type-checks a project with the monorepo's TypeScript; rejects with the compiler's output. */
function typecheck(dir: string, project: string): Promise<unknown> {
  return cpu(() => run(process.execPath, [tsc, '-p', project], { cwd: dir }))
}

/** Runs a JavaScript file with the node under test and parses the JSON it prints. */
async function runApp(cwd: string, file: string): Promise<unknown> {
  const { stdout } = await run(nodeBin, ['--no-warnings', file], { cwd, env: { NODE_PATH: undefined, NODE_OPTIONS: undefined }, timeoutMs: 60_000 })
  return JSON.parse(stdout)
}

/** The node_modules directories in `dir` and above it: a bundle must run with none. */
function nodeModulesAbove(dir: string): string[] {
  const found: string[] = []
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, 'node_modules'))) found.push(join(at, 'node_modules'))
    if (at === parse(at).root) return found
  }
}

afterAll(async () => {
  if (unreachable !== undefined || process.env.INTERVAI_KEEP_PACK === '1') return
  const dir = await workDir()
  rmSync(dir, { recursive: true, force: true })
})

describe.skipIf(unreachable !== undefined)('the packages as installed from their tarballs', { concurrent: true, timeout: TIMEOUT }, () => {
  it('each tarball holds dist, src, README, LICENSE and CHANGELOG, and nothing that points at a missing file', async () => {
    const tarballs = await packed()
    expect([...tarballs.keys()].sort()).toEqual(ours)
    const problems = Object.fromEntries(
      [...tarballs.values()].map((tarball) => {
        const dir = unpackedDir(dirname(tarball.file), tarball)
        const readMap = (path: string): { sources: string[] } => JSON.parse(readFileSync(join(dir, path), 'utf8')) as { sources: string[] }
        return [tarball.name, contentProblems(tarball, readMap)]
      }),
    )
    expect(problems).toEqual(Object.fromEntries(ours.map((name) => [name, []])))
  })

  it('passes publint --strict, every package', async () => {
    const tarballs = [...(await packed()).values()]
    const failures: string[] = []
    for (const tarball of tarballs) {
      const result = await runAnyway(bin('publint'), ['run', tarball.file, '--strict'], { cwd: dirname(tarball.file) })
      if (result.failed || !result.stdout.includes('All good!')) failures.push(`${tarball.name}:\n${result.stdout}${result.stderr}`)
    }
    expect(failures).toEqual([])
  })

  it('passes @arethetypeswrong/cli, every package, with only cjs-resolves-to-esm ignored (ESM-only, loaded by require(esm))', async () => {
    const tarballs = [...(await packed()).values()]
    const failures: string[] = []
    for (const tarball of tarballs) {
      const args = [tarball.file, '--ignore-rules', 'cjs-resolves-to-esm', '--no-color', '--no-emoji']
      const result = await cpu(() => runAnyway(bin('attw'), args, { cwd: dirname(tarball.file) }))
      if (result.failed) failures.push(`${tarball.name}:\n${result.stdout}${result.stderr}`)
    }
    expect(failures).toEqual([])
  })

  it('type-checks a strict ESM app using every entry point under NodeNext, skipLibCheck off', async () => {
    await typecheck(await consumer.full(), 'tsconfig.nodenext.json')
  })

  it('type-checks the same app under bundler resolution', async () => {
    await typecheck(await consumer.full(), 'tsconfig.bundler.json')
  })

  it('type-checks an Express app with no fastify installed', async () => {
    const dir = await consumer.expressOnly()
    expect(lockedPackages(dir)).not.toContain('fastify')
    await typecheck(dir, 'tsconfig.json')
  })

  it('type-checks a ws app with no fastify or @fastify/websocket installed', async () => {
    const dir = await consumer.wsOnly()
    expect(lockedPackages(dir).filter((name) => name === 'fastify' || name.startsWith('@fastify/'))).toEqual([])
    await typecheck(dir, 'tsconfig.json')
  })

  it('type-checks a quota app with no @fastify/rate-limit (nor fastify) installed', async () => {
    const dir = await consumer.quotaOnly()
    expect(lockedPackages(dir).filter((name) => name === 'fastify' || name.startsWith('@fastify/'))).toEqual([])
    await typecheck(dir, 'tsconfig.json')
  })

  it('type-checks a CommonJS TypeScript app under module nodenext, as the README says; node16 refuses it with TS1479 only', async () => {
    const dir = join(await consumer.full(), 'cjs-ts')
    await typecheck(dir, 'tsconfig.json')
    const node16 = await cpu(() => runAnyway(process.execPath, [tsc, '-p', 'tsconfig.node16.json'], { cwd: dir }))
    expect(node16.failed).toBe(true)
    expect([...new Set(node16.stdout.match(/error TS\d+/g))]).toEqual(['error TS1479'])
  })

  it('compiles every ts block of every README', async () => {
    const readmes = ['README.md', ...packageDirs(root).map((dir) => join(relative(root, dir), 'README.md'))].filter((readme) => existsSync(join(root, readme)))
    const blocks = readmes.flatMap((readme) => codeBlocks(root, readme))
    expect(readmes.filter((readme) => !blocks.some((block) => block.readme === readme))).toEqual([])
    const dir = join(await consumer.full(), 'readme')
    writeBlocks(root, blocks, join(root, 'test/pack/preludes'), dir)
    await typecheck(dir, 'tsconfig.json')
  })

  it('lists, per package, its tarball and what installing it alone pulls in (.tmp/pack-consume.md)', async () => {
    const tarballs = await packed()
    const dir = join(await workDir(), 'alone')
    const alone = new Map(
      await Promise.all(
        ours.map(async (name) => [name, await installs(() => installedAlone(join(dir, name.replace('/', '+')), name, tarballs, manifests))] as const),
      ),
    )
    const rows = ours.map((name) => {
      const tarball = tarballs.get(name)!
      const pulled = alone.get(name)!
      return `| ${name} | ${tarball.files.length} | ${(tarball.size / 1024).toFixed(1)} kB | ${(tarball.unpackedSize / 1024).toFixed(1)} kB | ${pulled.length} | ${pulled.join(', ')} |`
    })
    const table = [
      '| package | files | tarball | unpacked | installs | installing it alone pulls in (peer dependencies included, as npm installs them) |',
      '|---|---|---|---|---|---|',
      ...rows,
    ].join('\n')
    mkdirSync(join(root, '.tmp'), { recursive: true })
    writeFileSync(join(root, '.tmp/pack-consume.md'), `# Tarballs (npm pack), ${new Date().toISOString()}\n\n${table}\n`)
    console.log(table)
    expect(alone.get('@intervai/metrics-alerts')).toEqual(['@intervai/metrics-alerts', '@intervai/metrics-catalog', 'yaml'])
    expect(alone.get('@intervai/metrics-catalog')).toEqual(['@intervai/metrics-catalog'])
  })

  describe('at run time, on the node of INTERVAI_NODE_BIN (else this one)', () => {
    it('is given a Node.js >= 20.19', async () => {
      const { stdout } = await run(nodeBin, ['--version'], { cwd: root })
      console.log(`node under test: ${nodeBin} ${stdout.trim()}`)
      const [major, minor] = stdout.trim().slice(1).split('.').map(Number) as [number, number]
      expect(major > 20 || (major === 20 && minor >= 19)).toBe(true)
    })

    it('a CommonJS app require()s every entry point and serves what real Fastify and Express apps counted', async () => {
      const report = await runApp(await consumer.full(), 'app.cjs')
      expect(report).toEqual({
        fastify: { users: 3, unmatched: 1, quotaHits: 1, status: 200 },
        express: { items: 2, unmatched: 1, status: 200 },
        others: {
          hooks: ['onExceeded', 'onExceeding'],
          store: 'function',
          wsPlugin: 'function',
          httpRoot: 0,
          standaloneStatus: 200,
          rules: true,
          dashboard: 'string',
        },
      })
    })

    it.for([
      { app: 'fastify', expected: { users: 4, fail: 1, unmatched: 1, injected: 200, status: 200 } },
      { app: 'express', expected: { items: 2, unmatched: 1, status: 200 } },
    ])('an esbuild bundle of the $app app runs with no node_modules and counts its routes', async ({ app, expected }) => {
      const dir = await consumer.full()
      const bundles = join(await workDir(), 'bundles')
      mkdirSync(bundles, { recursive: true })
      expect(nodeModulesAbove(bundles)).toEqual([])
      const esbuild = await import('esbuild')
      const outfile = join(bundles, `${app}-app.cjs`)
      const result = await esbuild.build({
        absWorkingDir: dir,
        entryPoints: [`bundle/${app}-app.ts`],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node20',
        outfile,
        logLevel: 'silent',
      })
      expect(result.errors).toEqual([])
      expect(await runApp(bundles, outfile)).toEqual(expected)
    })

    it('npx intervai-metrics --version answers with only the alerts tarball installed, which pulls in alerts, catalog and yaml', async () => {
      const dir = await consumer.alertsOnly()
      expect(lockedPackages(dir)).toEqual(['@intervai/metrics-alerts', '@intervai/metrics-catalog', 'yaml'])
      const path = `${dirname(nodeBin)}${delimiter}${process.env.PATH ?? ''}`
      const { stdout } = await run('npx', ['--no-install', 'intervai-metrics', '--version'], { cwd: dir, env: { PATH: path } })
      expect(stdout).toBe(`${(await packed()).get('@intervai/metrics-alerts')!.version}\n`)
    })
  })
})
