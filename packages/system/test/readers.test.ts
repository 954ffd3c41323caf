import { afterEach, describe, expect, it } from 'vitest'
import { createCpuReader, cpusTimes, parseProcStat } from '../src/cpu.js'
import { createMemoryReader, parseMeminfo } from '../src/memory.js'
import { parseNetDev } from '../src/network.js'
import { filesystemUtilization } from '../src/filesystem.js'
import { cgroupChain, parseCpuMax, parseMemoryMax } from '../src/cgroup.js'
import { fakeTree, meminfo, netDev, procStat, type FakeTree } from './fixtures.js'

const trees: FakeTree[] = []
async function tree(files: Record<string, string> = {}): Promise<FakeTree> {
  const made = await fakeTree(files)
  trees.push(made)
  return made
}
afterEach(async () => {
  await Promise.all(trees.splice(0).map((t) => t.destroy()))
})

const MiB = 1024 * 1024

describe('parsers', () => {
  it('counts idle and iowait as idle and leaves guest time out of /proc/stat totals', () => {
    expect(parseProcStat(procStat(100, 10, 50, 800, 40, 5, 5, 0, 30, 0))).toEqual({ busy: 170, total: 1010 })
  })

  it('rejects a /proc/stat whose first line is not the cpu total', () => {
    expect(parseProcStat('intr 1 2 3\n')).toBe(undefined)
  })

  it('sums os.cpus() times over every core', () => {
    const core = { model: 'x', speed: 1, times: { user: 30, nice: 0, sys: 10, idle: 60, irq: 0 } }
    expect(cpusTimes([core, core])).toEqual({ busy: 80, total: 200 })
  })

  it('finds no CPU times in an empty os.cpus() list', () => {
    expect(cpusTimes([])).toBe(undefined)
  })

  it('needs both MemTotal and MemAvailable in /proc/meminfo', () => {
    expect(parseMeminfo(meminfo(16_000_000, 4_000_000))).toEqual({ total: 16_000_000, available: 4_000_000 })
    expect(parseMeminfo('MemTotal: 16000000 kB\nMemFree: 10 kB\n')).toBe(undefined)
  })

  it('reads bytes per device from /proc/net/dev, also without a space after the colon', () => {
    const text = netDev({ lo: [7425, 7426], eth0: [222870540, 709413] }) + 'wlan0:12 1 0 0 0 0 0 0 34 1 0 0 0 0 0 0\n'
    expect([...parseNetDev(text)]).toEqual([
      ['lo', { receive: 7425, transmit: 7426 }],
      ['eth0', { receive: 222870540, transmit: 709413 }],
      ['wlan0', { receive: 12, transmit: 34 }],
    ])
  })

  it('reads cgroup v2 cpu.max and memory.max, with "max" meaning no limit', () => {
    expect(parseCpuMax('50000 100000\n')).toBe(0.5)
    expect(parseCpuMax('max 100000\n')).toBe(undefined)
    expect(parseMemoryMax('1073741824\n')).toBe(1073741824)
    expect(parseMemoryMax('max\n')).toBe(undefined)
  })

  it('computes filesystem utilization as df does, root-reserved blocks left out', () => {
    // 1000 blocks, 400 free of which 350 available to users: used 600 / (600 + 350).
    expect(filesystemUtilization({ blocks: 1000, bfree: 400, bavail: 350 })).toBe(600 / 950)
  })

  it('finds no filesystem utilization for a filesystem without blocks', () => {
    expect(filesystemUtilization({ blocks: 0, bfree: 0, bavail: 0 })).toBe(undefined)
  })
})

describe('cgroupChain', () => {
  it('lists the process cgroup and each parent up to the mount root', async () => {
    const proc = await tree({ 'self/cgroup': '0::/kubepods/pod1\n' })
    const cgroup = await tree({ 'cgroup.controllers': 'cpu memory\n' })
    expect(cgroupChain(proc.root, cgroup.root)).toEqual([`${cgroup.root}/kubepods/pod1`, `${cgroup.root}/kubepods`, cgroup.root])
  })

  it('keeps a cgroup path outside the namespace inside the mount root', async () => {
    const proc = await tree({ 'self/cgroup': '0::/../../escape\n' })
    const cgroup = await tree({ 'cgroup.controllers': '' })
    expect(cgroupChain(proc.root, cgroup.root)).toEqual([`${cgroup.root}/escape`, cgroup.root])
  })

  it('finds no chain where no cgroup v2 hierarchy is mounted (cgroup v1 or not Linux)', async () => {
    const proc = await tree({ 'self/cgroup': '4:memory:/x\n0::/\n' })
    const cgroup = await tree({ 'memory/memory.limit_in_bytes': '1000\n' })
    expect(cgroupChain(proc.root, cgroup.root)).toBe(undefined)
  })
})

describe('createCpuReader', () => {
  it('reports utilization over the window since the previous reading from /proc/stat', async () => {
    const proc = await tree({ stat: procStat(100, 0, 50, 800, 50, 0, 0, 0, 0, 0) })
    const reader = createCpuReader({ procRoot: proc.root, cgroupRoot: '/nonexistent' })
    expect(reader?.source).toBe('proc')
    await proc.write('stat', procStat(400, 0, 100, 1400, 100, 0, 0, 0, 0, 0))
    expect(reader?.utilization()).toBe(0.35)
    await proc.write('stat', procStat(400, 0, 100, 2400, 100, 0, 0, 0, 0, 0))
    expect(reader?.utilization()).toBe(0)
  })

  it('starts from the average since boot and repeats the last figure when no tick has passed', async () => {
    const proc = await tree({ stat: procStat(100, 0, 50, 800, 50, 0, 0, 0, 0, 0) })
    const reader = createCpuReader({ procRoot: proc.root, cgroupRoot: '/nonexistent' })
    expect(reader?.initial).toBe(0.15)
    expect(reader?.utilization()).toBe(0.15)
    await proc.write('stat', procStat(600, 0, 50, 800, 50, 0, 0, 0, 0, 0))
    expect(reader?.utilization()).toBe(1)
    expect(reader?.utilization()).toBe(1)
  })

  it('falls back to os.cpus() when /proc/stat cannot be read', () => {
    const cpus = () => [{ model: 'x', speed: 1, times: { user: 40, nice: 0, sys: 0, idle: 60, irq: 0 } }]
    const reader = createCpuReader({ procRoot: '/nonexistent', cgroupRoot: '/nonexistent', cpus })
    expect(reader?.source).toBe('os')
    expect(reader?.initial).toBe(0.4)
  })

  it('reports utilization from os.cpus() over the window', async () => {
    let user = 40
    let idle = 60
    const cpus = () => [{ model: 'x', speed: 1, times: { user, nice: 0, sys: 0, idle, irq: 0 } }]
    const reader = createCpuReader({ procRoot: '/nonexistent', cgroupRoot: '/nonexistent', cpus })
    user += 25
    idle += 75
    expect(reader?.utilization()).toBe(0.25)
  })

  it('offers no CPU reading where neither /proc/stat nor os.cpus() has one', () => {
    expect(createCpuReader({ procRoot: '/nonexistent', cgroupRoot: '/nonexistent', cpus: () => [] })).toBe(undefined)
  })

  it('reports CPU relative to the tightest cgroup v2 limit on the chain', async () => {
    const proc = await tree({ 'self/cgroup': '0::/kubepods/pod1\n', stat: procStat(1, 0, 0, 1, 0, 0, 0, 0, 0, 0) })
    const cgroup = await tree({
      'cgroup.controllers': 'cpu memory\n',
      'kubepods/cpu.max': '200000 100000\n',
      'kubepods/pod1/cpu.max': '50000 100000\n',
      'kubepods/pod1/cpu.stat': 'usage_usec 1000000\nuser_usec 800000\nsystem_usec 200000\n',
    })
    let now = 5_000_000
    const reader = createCpuReader({ procRoot: proc.root, cgroupRoot: cgroup.root, now: () => now })
    expect(reader?.source).toBe('cgroup')
    now += 1_000_000
    await cgroup.write('kubepods/pod1/cpu.stat', 'usage_usec 1250000\n')
    expect(reader?.utilization()).toBe(0.5)
  })

  it('follows a cgroup CPU limit resized in place', async () => {
    const proc = await tree({ 'self/cgroup': '0::/app\n' })
    const cgroup = await tree({ 'cgroup.controllers': '', 'app/cpu.max': '100000 100000\n', 'app/cpu.stat': 'usage_usec 0\n' })
    let now = 0
    const reader = createCpuReader({ procRoot: proc.root, cgroupRoot: cgroup.root, now: () => now })
    now += 1_000_000
    await cgroup.write('app/cpu.stat', 'usage_usec 500000\n')
    await cgroup.write('app/cpu.max', '200000 100000\n')
    expect(reader?.utilization()).toBe(0.25)
  })

  it('uses /proc/stat when the cgroup sets no CPU limit', async () => {
    const proc = await tree({ 'self/cgroup': '0::/app\n', stat: procStat(1, 0, 0, 1, 0, 0, 0, 0, 0, 0) })
    const cgroup = await tree({ 'cgroup.controllers': '', 'app/cpu.max': 'max 100000\n', 'app/cpu.stat': 'usage_usec 0\n' })
    expect(createCpuReader({ procRoot: proc.root, cgroupRoot: cgroup.root })?.source).toBe('proc')
  })
})

describe('createMemoryReader', () => {
  it('reports 1 - MemAvailable/MemTotal from /proc/meminfo', async () => {
    const proc = await tree({ meminfo: meminfo(16_000_000, 4_000_000) })
    const reader = createMemoryReader({ procRoot: proc.root, cgroupRoot: '/nonexistent' })
    expect(reader?.initial).toBe(0.75)
    await proc.write('meminfo', meminfo(16_000_000, 12_000_000))
    expect(reader?.utilization()).toBe(0.25)
  })

  it('reports the working set over the tightest cgroup v2 memory limit', async () => {
    const proc = await tree({ 'self/cgroup': '0::/kubepods/pod1\n', meminfo: meminfo(16_000_000, 4_000_000) })
    const cgroup = await tree({
      'cgroup.controllers': '',
      'kubepods/memory.max': `${4096 * MiB}\n`,
      'kubepods/pod1/memory.max': `${1024 * MiB}\n`,
      'kubepods/pod1/memory.current': `${600 * MiB}\n`,
      'kubepods/pod1/memory.stat': `anon ${400 * MiB}\nfile ${200 * MiB}\ninactive_file ${100 * MiB}\n`,
    })
    const reader = createMemoryReader({ procRoot: proc.root, cgroupRoot: cgroup.root })
    expect(reader?.initial).toBe(500 / 1024)
    await cgroup.write('kubepods/pod1/memory.current', `${868 * MiB}\n`)
    expect(reader?.utilization()).toBe(768 / 1024)
  })

  it('ignores a cgroup memory limit above the machine memory', async () => {
    const proc = await tree({ 'self/cgroup': '0::/app\n', meminfo: meminfo(1_000_000, 250_000) })
    const cgroup = await tree({ 'cgroup.controllers': '', 'app/memory.max': `${2_000_000 * 1024}\n`, 'app/memory.current': '1\n' })
    expect(createMemoryReader({ procRoot: proc.root, cgroupRoot: cgroup.root })?.utilization()).toBe(0.75)
  })

  it('offers no memory reading without /proc/meminfo or a cgroup limit (not Linux)', () => {
    expect(createMemoryReader({ procRoot: '/nonexistent', cgroupRoot: '/nonexistent' })).toBe(undefined)
  })

  it('fails a reading when /proc/meminfo disappears after setup', async () => {
    const proc = await tree({ meminfo: meminfo(16_000_000, 4_000_000) })
    const reader = createMemoryReader({ procRoot: proc.root, cgroupRoot: '/nonexistent' })
    await proc.remove('meminfo')
    expect(() => reader?.utilization()).toThrow(/MemTotal\/MemAvailable unreadable/)
  })
})
