import { existsSync, readFileSync } from 'node:fs'
import { join, posix } from 'node:path'

/**
 * The cgroup v2 directories of this process, its own first, then each parent up to the mount
 * root; undefined when no cgroup v2 hierarchy is mounted at `cgroupRoot` (cgroup v1, or not
 * Linux). A limit set on any of them applies to the process.
 */
export function cgroupChain(procRoot: string, cgroupRoot: string): string[] | undefined {
  try {
    if (!existsSync(join(cgroupRoot, 'cgroup.controllers'))) return undefined
    const line = readFileSync(join(procRoot, 'self/cgroup'), 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('0::'))
    if (line === undefined) return undefined
    // normalize('/' + ...) keeps a path like '/../x' (a cgroup outside our namespace) inside the root.
    const relative = posix.normalize(`/${line.slice(3).trim()}`)
    const parts = relative.split('/').filter(Boolean)
    const chain: string[] = []
    for (let depth = parts.length; depth >= 0; depth--) chain.push(join(cgroupRoot, ...parts.slice(0, depth)))
    return chain
  } catch {
    return undefined
  }
}

/**
 * Reads a cgroup interface file; undefined when it does not exist at that level. Synchronous on
 * purpose: the kernel generates these files, nothing waits on storage, and a synchronous read
 * costs a tenth of the CPU of a thread-pool round trip.
 */
export function readCgroupFile(dir: string, file: string): string | undefined {
  try {
    return readFileSync(join(dir, file), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** A `cpu.max` file (`"50000 100000"` or `"max 100000"`) as a number of cores; undefined for no limit. */
export function parseCpuMax(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const [quota, period] = text.trim().split(/\s+/)
  const q = Number(quota)
  const p = Number(period)
  return quota !== 'max' && Number.isFinite(q) && q > 0 && Number.isFinite(p) && p > 0 ? q / p : undefined
}

/** A `memory.max` file as bytes; undefined for `max` (no limit). */
export function parseMemoryMax(text: string | undefined): number | undefined {
  if (text === undefined) return undefined
  const value = Number(text.trim())
  return text.trim() !== 'max' && Number.isFinite(value) && value > 0 ? value : undefined
}

/** One `key value` field of a flat-keyed cgroup file (`cpu.stat`, `memory.stat`). */
export function statField(text: string | undefined, key: string): number | undefined {
  if (text === undefined) return undefined
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ')
    if (space > 0 && line.slice(0, space) === key) {
      const value = Number(line.slice(space + 1))
      return Number.isFinite(value) ? value : undefined
    }
  }
  return undefined
}
