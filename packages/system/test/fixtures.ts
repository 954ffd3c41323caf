import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/** A directory of fake kernel files (a procfs or a cgroup v2 tree) for one test. */
export interface FakeTree {
  readonly root: string
  write(path: string, text: string): Promise<void>
  remove(path: string): Promise<void>
  destroy(): Promise<void>
}

export async function fakeTree(files: Record<string, string> = {}): Promise<FakeTree> {
  const root = await mkdtemp(join(tmpdir(), 'intervai-system-'))
  const tree: FakeTree = {
    root,
    async write(path, text) {
      await mkdir(dirname(join(root, path)), { recursive: true })
      await writeFile(join(root, path), text)
    },
    remove: (path) => rm(join(root, path), { force: true }),
    destroy: () => rm(root, { recursive: true, force: true }),
  }
  for (const [path, text] of Object.entries(files)) await tree.write(path, text)
  return tree
}

/** A `/proc/stat` whose first line has these fields (user nice system idle iowait irq softirq steal guest guest_nice). */
export function procStat(...fields: number[]): string {
  return `cpu  ${fields.join(' ')}\ncpu0 ${fields.join(' ')}\nintr 0\nctxt 0\n`
}

/** A `/proc/meminfo` with the given MemTotal and MemAvailable in kB. */
export function meminfo(totalKb: number, availableKb: number): string {
  return `MemTotal:       ${totalKb} kB\nMemFree:        1000 kB\nMemAvailable:   ${availableKb} kB\nBuffers:        0 kB\n`
}

/** A `/proc/net/dev` with bytes received and transmitted per device. */
export function netDev(devices: Record<string, [receive: number, transmit: number]>): string {
  const header =
    'Inter-|   Receive                                                |  Transmit\n' +
    ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n'
  const lines = Object.entries(devices).map(
    ([name, [rx, tx]]) => `${name.padStart(6)}: ${rx} 10 0 0 0 0 0 0 ${tx} 10 0 0 0 0 0 0`,
  )
  return header + lines.join('\n') + '\n'
}

/** The value of one sample line (`name{labels}`) in an exposition body; undefined when absent. */
export function sampleValue(body: string, series: string): number | undefined {
  const line = body.split('\n').find((entry) => entry.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

/** Every sample line of one metric name in an exposition body. */
export function samplesOf(body: string, name: string): string[] {
  return body.split('\n').filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
}
