import type { Metrics, MetricsOptions } from '@intervai/metrics-core'
import { check, optionError, resolvePackageOptions, type OptionCheck } from '@intervai/metrics-core/internal'

/** The package name used in option errors and warnings. */
export const PKG = '@intervai/metrics-system'

/** The `component` label under which caught reading failures are counted. */
export const COMPONENT = 'system'

const MAX_FILESYSTEMS = 64
// IFNAMSIZ is 16 including the terminating NUL; the kernel rejects '/', ':' and whitespace in names.
const DEVICE_NAME = /^[^/:\s]{1,15}$/

/** Options of `collectSystemMetrics`. */
export interface SystemMetricsOptions extends MetricsOptions {
  /**
   * Paths whose filesystem utilization is reported, one `mountpoint` label value each (the path
   * as given). Absolute paths, at most 64. A path that cannot be read is left out of the scrape.
   * @default ['/']
   */
  filesystems?: readonly string[]
  /**
   * Network devices whose bytes are counted, by kernel name (e.g. `['eth0', 'lo']`). Loopback is
   * only counted when named here.
   * @default every device but loopback (`lo`), up to `maxNetworkDevices`
   */
  networkDevices?: readonly string[]
  /**
   * When `networkDevices` is not given, at most this many devices present at once get series;
   * more (container hosts create a veth per container) are left out until a slot frees up.
   * @default 32
   */
  maxNetworkDevices?: number
  /** Where procfs is mounted; point it at a directory of fixture files in tests. @default '/proc' */
  procRoot?: string
  /** Where the cgroup v2 hierarchy is mounted; point it at fixture files in tests. @default '/sys/fs/cgroup' */
  cgroupRoot?: string
}

/** The options after checking, defaults applied. */
export interface ResolvedSystemOptions {
  metrics: Metrics
  filesystems: readonly string[]
  networkDevices: ReadonlySet<string> | undefined
  maxNetworkDevices: number
  procRoot: string
  cgroupRoot: string
}

const filesystems: OptionCheck<readonly string[]> = (pkg, option, value) => {
  if (value === undefined) return ['/']
  if (!Array.isArray(value) || value.length > MAX_FILESYSTEMS) {
    throw optionError(pkg, option, `an array of at most ${MAX_FILESYSTEMS} absolute paths`, value)
  }
  for (const path of value) {
    if (typeof path !== 'string' || !isAbsolute(path)) throw optionError(pkg, option, 'absolute paths', value)
  }
  return [...new Set(value as string[])]
}

const networkDevices: OptionCheck<ReadonlySet<string> | undefined> = (pkg, option, value) => {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.length > 1000) throw optionError(pkg, option, 'an array of device names', value)
  for (const name of value) {
    if (typeof name !== 'string' || !DEVICE_NAME.test(name)) {
      throw optionError(pkg, option, 'device names of 1 to 15 characters without "/", ":" or spaces', value)
    }
  }
  return new Set(value as string[])
}

const SPEC = {
  filesystems,
  networkDevices,
  maxNetworkDevices: check.integer(32, 1, 1000),
  procRoot: check.string('/proc'),
  cgroupRoot: check.string('/sys/fs/cgroup'),
}

/** Checks the options; a bad or unknown one throws a TypeError naming the option and the value. */
export function resolveOptions(options: unknown): ResolvedSystemOptions {
  return resolvePackageOptions(PKG, options, SPEC)
}

/** What two collections on one metrics object must agree on, compared item by item by `instrumentOnce`. */
export function identityOf(options: ResolvedSystemOptions): unknown[] {
  const { filesystems, networkDevices, maxNetworkDevices, procRoot, cgroupRoot } = options
  return [JSON.stringify(filesystems), networkDevices === undefined ? undefined : JSON.stringify([...networkDevices]), maxNetworkDevices, procRoot, cgroupRoot]
}

// Both POSIX ('/data') and Windows ('C:\\', '\\\\server\\share') forms, whatever the host is.
function isAbsolute(path: string): boolean {
  return path.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(path) || path.startsWith('\\\\')
}
