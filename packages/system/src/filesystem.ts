import type { StatsFs } from 'node:fs'

/**
 * Space used as `df` reports it: used / (used + available to unprivileged users), so the blocks
 * reserved for root count as neither; undefined for a filesystem without blocks (proc, sysfs).
 */
export function filesystemUtilization(stats: Pick<StatsFs, 'blocks' | 'bfree' | 'bavail'>): number | undefined {
  const used = stats.blocks - stats.bfree
  const size = used + stats.bavail
  return stats.blocks > 0 && size > 0 ? used / size : undefined
}

/** Errors that mean "nothing to measure at this path", not a failure worth counting. */
export function isAbsentPath(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  return code === 'ENOENT' || code === 'ENOTDIR'
}
