import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { run } from './run.js'
import { withSiblings, type Manifest, type Tarball } from './tarballs.js'

/** npm, quiet, from the cache where it can: the tests must not depend on a fast network. */
export const NPM_INSTALL = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error']

/** A consumer project: what it installs from the tarballs and from the registry. */
export interface ConsumerSpec {
  /** Our packages it depends on; their @intervai dependencies are installed from the tarballs too. */
  packages: string[]
  /** Registry packages it installs besides them (frameworks, @types). */
  registry: string[]
  /** A directory under test/pack/fixtures copied into the project first. */
  fixture?: string
  type?: 'module' | 'commonjs'
}

/**
 * The version range the monorepo itself uses for a registry package (root or any package's
 * devDependencies), so consumers install what the npm cache already holds.
 */
export function rangeIn(manifests: Manifest[], name: string): string {
  for (const manifest of manifests) {
    const range = manifest.devDependencies?.[name] ?? manifest.dependencies?.[name]
    if (range !== undefined && !range.startsWith('npm:')) return range
  }
  throw new Error(`no version range for ${name} in the monorepo`)
}

/** The package.json of a consumer: tarballs as `file:` dependencies, the rest as ranges. */
export function consumerManifest(
  name: string,
  spec: ConsumerSpec,
  tarballs: Map<string, Tarball>,
  manifests: Manifest[],
): Record<string, unknown> {
  const dependencies: Record<string, string> = {}
  for (const pkg of withSiblings(spec.packages, tarballs)) dependencies[pkg] = `file:${tarballs.get(pkg)!.file}`
  for (const pkg of spec.registry) dependencies[pkg] = rangeIn(manifests, pkg)
  return { name, version: '1.0.0', private: true, type: spec.type ?? 'module', dependencies }
}

/** Creates the project in `dir` (fixture files, package.json) and installs it. */
export async function installConsumer(
  dir: string,
  fixtures: string,
  spec: ConsumerSpec,
  tarballs: Map<string, Tarball>,
  manifests: Manifest[],
): Promise<void> {
  mkdirSync(dir, { recursive: true })
  if (spec.fixture) cpSync(join(fixtures, spec.fixture), dir, { recursive: true })
  const name = `consumer-${dir.split('/').pop()!}`
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(consumerManifest(name, spec, tarballs, manifests), null, 2)}\n`)
  await run('npm', NPM_INSTALL, { cwd: dir, timeoutMs: 240_000 })
}

/** The names of every package a project's lockfile holds (its node_modules tree), sorted. */
export function lockedPackages(dir: string): string[] {
  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> }
  const names = Object.keys(lock.packages)
    .filter((path) => path !== '')
    .map((path) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length))
  return [...new Set(names)].sort()
}

/**
 * What installing `name` alone pulls in (its @intervai dependencies come from the tarballs, as
 * the registry would serve them once published): resolved with `--package-lock-only`, so
 * nothing is downloaded or extracted.
 */
export async function installedAlone(dir: string, name: string, tarballs: Map<string, Tarball>, manifests: Manifest[]): Promise<string[]> {
  mkdirSync(dir, { recursive: true })
  const manifest = consumerManifest('alone', { packages: [name], registry: [] }, tarballs, manifests)
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest))
  await run('npm', [...NPM_INSTALL, '--package-lock-only', '--ignore-scripts'], { cwd: dir, timeoutMs: 240_000 })
  return lockedPackages(dir)
}
