import type { networkDirections } from '@intervai/metrics-catalog'

/** Bytes received and transmitted by one device since it came up, by `direction` label value. */
export type DeviceBytes = Record<(typeof networkDirections)[number], number>

/**
 * `/proc/net/dev` as bytes per device, in the kernel's order. Names never contain ':', so the
 * first one ends the name even when the kernel leaves no space before the first number.
 */
export function parseNetDev(text: string): Map<string, DeviceBytes> {
  const devices = new Map<string, DeviceBytes>()
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':')
    if (colon < 0) continue
    const name = line.slice(0, colon).trim()
    const fields = line.slice(colon + 1).trim().split(/\s+/).map(Number)
    const receive = fields[0]
    const transmit = fields[8]
    if (name && receive !== undefined && transmit !== undefined && Number.isFinite(receive) && Number.isFinite(transmit)) {
      devices.set(name, { receive, transmit })
    }
  }
  return devices
}

/** The kernel's loopback device in every network namespace. */
export const LOOPBACK = 'lo'
