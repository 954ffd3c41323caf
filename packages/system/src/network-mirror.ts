import { readFileSync } from 'node:fs'
import { networkDirections } from '@intervai/metrics-catalog'
import type { Counter } from '@intervai/metrics-core'
import { mirrorTotal } from './mirror-total.js'
import { LOOPBACK, parseNetDev } from './network.js'

/** Which devices to mirror. */
export interface NetworkSelection {
  /** The devices named in the options; undefined: every device but loopback, up to `maxDevices`. */
  readonly named: ReadonlySet<string> | undefined
  readonly maxDevices: number
}

/**
 * Mirrors the kernel's byte totals of `/proc/net/dev` into `system_network_io_bytes_total` at
 * every scrape. A failed read is reported and leaves the series as they were: a counter that
 * vanished and came back would look like a reset. Returns the undo, which removes the series.
 */
export function mirrorNetwork(counter: Counter<'device' | 'direction'>, netDev: string, select: NetworkSelection, fail: (error: unknown) => void): () => void {
  const { named, maxDevices } = select
  const tracked = new Set<string>()
  const drop = (device: string): void => {
    for (const direction of networkDirections) counter.remove(device, direction)
    tracked.delete(device)
  }
  const update = (): void => {
    // Synchronous: procfs never waits on storage, and a thread-pool round trip costs ten times the CPU.
    const devices = parseNetDev(readFileSync(netDev, 'utf8'))
    // A device that went away (a container's veth) frees its series and its slot first.
    for (const device of tracked) if (!devices.has(device)) drop(device)
    for (const [device, bytes] of devices) {
      if (named ? !named.has(device) : device === LOOPBACK) continue
      if (!tracked.has(device)) {
        if (named === undefined && tracked.size >= maxDevices) continue
        tracked.add(device)
      }
      for (const direction of networkDirections) mirrorTotal(counter.labels(device, direction), bytes[direction])
    }
  }
  const stop = counter.onCollect(() => {
    try {
      update()
    } catch (error) {
      fail(error)
    }
  })
  return () => {
    stop()
    for (const device of tracked) drop(device)
  }
}
