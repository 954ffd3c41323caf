import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { run } from './run.js'

/** One package as `npm pack` made it. */
export interface Tarball {
  /** `@intervai/metrics-http` */
  name: string
  version: string
  /** Absolute path of the .tgz */
  file: string
  /** Paths inside the tarball, without the `package/` prefix. */
  files: string[]
  /** Bytes of the .tgz */
  size: number
  unpackedSize: number
  /** The package.json that was packed. */
  manifest: Manifest
}

/** The parts of a package.json these tests read. */
export interface Manifest {
  name: string
  version: string
  files?: string[]
  dependencies?: Record<string, string>
  devDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

interface PackResult {
  name: string
  version: string
  filename: string
  size: number
  unpackedSize: number
  files: { path: string }[]
}

/** The workspace packages under packages/, by directory name. */
export function packageDirs(root: string): string[] {
  return readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(root, 'packages', entry.name))
}

/** Reads a package.json. */
export function manifestOf(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest
}

/**
 * `npm pack` of every package under packages/ into `destination`, as publishing does it: each
 * package's `prepack` builds it first. Lifecycle scripts print to stdout too, so the JSON npm
 * prints last is cut out of it.
 */
export async function packAll(root: string, destination: string): Promise<Tarball[]> {
  const dirs = packageDirs(root)
  const args = ['pack', '--json', '--pack-destination', destination, ...dirs.flatMap((dir) => ['-w', dir])]
  const { stdout } = await run('npm', args, { cwd: root, timeoutMs: 300_000 })
  const start = stdout.lastIndexOf('[\n  {\n')
  if (start === -1) throw new Error(`npm pack printed no JSON:\n${stdout.slice(-3000)}`)
  const results = JSON.parse(stdout.slice(start)) as PackResult[]
  const manifests = new Map(dirs.map((dir) => manifestOf(dir)).map((manifest) => [manifest.name, manifest]))
  return results.map((result) => ({
    name: result.name,
    version: result.version,
    file: join(destination, result.filename),
    files: result.files.map((file) => file.path).sort(),
    size: result.size,
    unpackedSize: result.unpackedSize,
    manifest: manifests.get(result.name)!,
  }))
}

/**
 * What is wrong with a tarball's contents: an entry of `files` that matched nothing, a missing
 * LICENSE/README/CHANGELOG, a tsbuildinfo, or a source map whose sources are not shipped.
 */
export function contentProblems(tarball: Tarball, readMap: (path: string) => { sources: string[] }): string[] {
  const problems: string[] = []
  const shipped = new Set(tarball.files)
  for (const required of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) {
    if (!shipped.has(required)) problems.push(`no ${required}`)
  }
  for (const entry of tarball.manifest.files ?? []) {
    if (!tarball.files.some((file) => file === entry || file.startsWith(`${entry}/`))) problems.push(`"files" names ${entry}, which is not there`)
  }
  if (!tarball.files.some((file) => file.startsWith('dist/') && file.endsWith('.js'))) problems.push('no dist/*.js')
  for (const file of tarball.files) {
    if (file.includes('tsbuildinfo')) problems.push(`ships ${file}`)
    if (!file.endsWith('.map')) continue
    const directory = file.slice(0, file.lastIndexOf('/') + 1)
    for (const source of readMap(file).sources) {
      const target = normalize(directory + source)
      if (!shipped.has(target)) problems.push(`${file} points at ${target}, which is not shipped`)
    }
  }
  return problems
}

/** `dist/../src/a.ts` → `src/a.ts` */
function normalize(path: string): string {
  const parts: string[] = []
  for (const part of path.split('/')) {
    if (part === '..') parts.pop()
    else if (part !== '.' && part !== '') parts.push(part)
  }
  return parts.join('/')
}

/** The @intervai packages `names` depend on, directly or not, and `names` themselves. */
export function withSiblings(names: string[], tarballs: Map<string, Tarball>): string[] {
  const seen = new Set<string>()
  const visit = (name: string): void => {
    if (seen.has(name)) return
    const tarball = tarballs.get(name)
    if (!tarball) throw new Error(`no tarball for ${name}`)
    seen.add(name)
    for (const dependency of Object.keys(tarball.manifest.dependencies ?? {})) {
      if (tarballs.has(dependency)) visit(dependency)
    }
  }
  names.forEach(visit)
  return [...seen].sort()
}
