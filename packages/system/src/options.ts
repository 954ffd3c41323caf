import { checkNumber, checkString, optionError, resolveMetrics, type Metrics } from '@intervai/metrics-core'

/** The package name used in option errors and `instrumentation_errors_total{component}`. */
export const PKG = '@intervai/metrics-system'

/** The `component` label under which caught reading failures are counted. */
export const COMPONENT = 'system'

const MAX_FILESYSTEMS = 64
// IFNAMSIZ is 16 including the terminating NUL; the kernel rejects '/', ':' and whitespace in names.
const DEVICE_NAME = /^[^/:\s]{1,15}$/

/** Options of `collectSystemMetrics`. */
export interface SystemMetricsOptions {
  /** The metrics object from `createMetrics()`. @default a `createMetrics()` on prom-client's global registry */
  metrics?: Metrics
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

/** Checks the options; a bad one throws a TypeError naming the option and the value. */
export function resolveOptions(options: SystemMetricsOptions = {}): ResolvedSystemOptions {
  if (typeof options !== 'object' || options === null) throw optionError(PKG, 'options', 'an object', options)
  const maxNetworkDevices = checkNumber(PKG, 'maxNetworkDevices', options.maxNetworkDevices, 32, 1, 1000)
  if (!Number.isInteger(maxNetworkDevices)) throw optionError(PKG, 'maxNetworkDevices', 'a whole number', maxNetworkDevices)
  return {
    metrics: resolveMetrics(PKG, options.metrics),
    filesystems: checkFilesystems(options.filesystems),
    networkDevices: checkDevices(options.networkDevices),
    maxNetworkDevices,
    procRoot: checkString(PKG, 'procRoot', options.procRoot, '/proc'),
    cgroupRoot: checkString(PKG, 'cgroupRoot', options.cgroupRoot, '/sys/fs/cgroup'),
  }
}

function checkFilesystems(value: unknown): readonly string[] {
  if (value === undefined) return ['/']
  if (!Array.isArray(value) || value.length > MAX_FILESYSTEMS) {
    throw optionError(PKG, 'filesystems', `an array of at most ${MAX_FILESYSTEMS} absolute paths`, value)
  }
  for (const path of value) {
    if (typeof path !== 'string' || !isAbsolute(path)) throw optionError(PKG, 'filesystems', 'absolute paths', value)
  }
  return [...new Set(value as string[])]
}

function checkDevices(value: unknown): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.length > 1000) throw optionError(PKG, 'networkDevices', 'an array of device names', value)
  for (const name of value) {
    if (typeof name !== 'string' || !DEVICE_NAME.test(name)) {
      throw optionError(PKG, 'networkDevices', 'device names of 1 to 15 characters without "/", ":" or spaces', value)
    }
  }
  return new Set(value as string[])
}

// Both POSIX ('/data') and Windows ('C:\\', '\\\\server\\share') forms, whatever the host is.
function isAbsolute(path: string): boolean {
  return path.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(path) || path.startsWith('\\\\')
}
