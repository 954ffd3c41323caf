import { readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'

/**
 * Clock ticks per second of this kernel (`getconf CLK_TCK`), used to turn /proc ticks into time.
 * @type {number}
 */
export const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())
    return Number.isFinite(n) && n > 0 ? n : 100
  } catch {
    return 100
  }
})()

/**
 * Reads the CPU time a process has used so far, from `/proc/<pid>/stat` (utime + stime of
 * every thread, children excluded).
 * @param {number} pid process id
 * @returns {{ utime: number, stime: number, ticks: number, micros: number }} ticks (clock
 *   ticks) and the same total in microseconds
 */
export function readCpu(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may contain spaces and parentheses: split after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  const ticks = utime + stime
  return { utime, stime, ticks, micros: (ticks * 1e6) / CLOCK_TICKS_PER_SECOND }
}

/**
 * Starts a CPU-time measurement of a process; call the returned function to stop it.
 * @param {number} pid process id
 * @returns {() => { ticks: number, micros: number }} stop: CPU used since the start, in clock
 *   ticks and microseconds
 */
export function cpuMeter(pid) {
  const start = readCpu(pid)
  return () => {
    const end = readCpu(pid)
    const ticks = end.ticks - start.ticks
    return { ticks, micros: (ticks * 1e6) / CLOCK_TICKS_PER_SECOND }
  }
}
