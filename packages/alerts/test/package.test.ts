import { readdirSync, readFileSync } from 'node:fs'
import { builtinModules, createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'

interface Manifest {
  name: string
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  bundleDependencies?: unknown
  bundledDependencies?: unknown
}

const DEPENDENCIES = { '@intervai/metrics-catalog': '^0.1.0', yaml: '^2.8.1' }
const manifestOf = (url: URL): Manifest => JSON.parse(readFileSync(url, 'utf8')) as Manifest
const own = manifestOf(new URL('../package.json', import.meta.url))
const require = createRequire(new URL('../package.json', import.meta.url))

describe('@intervai/metrics-alerts as installed', () => {
  it('depends on the catalog and yaml only (no runtime package, no prom-client, no pg or ws)', () => {
    expect(own.dependencies).toEqual(DEPENDENCIES)
    expect(own.peerDependencies).toBeUndefined()
    expect(own.optionalDependencies).toBeUndefined()
    expect(own.bundleDependencies ?? own.bundledDependencies).toBeUndefined()
  })

  it('pulls in nothing further: the catalog and yaml have no dependencies of their own', () => {
    for (const name of Object.keys(DEPENDENCIES)) {
      const manifest = manifestOf(new URL(`file://${require.resolve(`${name}/package.json`)}`))
      expect(manifest.name).toBe(name)
      expect({ ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies }, name).toEqual({})
    }
  })

  it('imports nothing but its dependencies and Node built-ins', () => {
    // Workspace links make every sibling importable here; only package.json says what users get.
    const src = new URL('../src/', import.meta.url)
    const builtins = new Set(builtinModules)
    const outside: string[] = []
    for (const file of readdirSync(src).filter((f) => f.endsWith('.ts'))) {
      const text = readFileSync(new URL(file, src), 'utf8')
      for (const [, specifier = ''] of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
        if (specifier.startsWith('.') || specifier.startsWith('node:') || builtins.has(specifier)) continue
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] as string)
        if (!(name in DEPENDENCIES)) outside.push(`${file}: ${specifier}`)
      }
    }
    expect(outside).toEqual([])
  })
})
