import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { commandOf, isAlive } from './support/processes.js'
import { startServiceProcess } from './support/service-process.js'
import { waitFor } from './support/wait.js'

describe('npm start', () => {
  it('serves /metrics within 60 s on an embedded PostgreSQL, and Ctrl-C leaves no process behind', async () => {
    const service = await startServiceProcess('npm-root', 60_000)
    try {
      expect(service.output()).toContain('API:     http://127.0.0.1:')
      const response = await fetch(`${service.url}/metrics`)
      expect(response.status).toBe(200)
      const body = await response.text()
      expect(body).toContain('interview_ai_optimizations_total{status="completed"} 0')
      expect(body).toContain('pg_pool_max_connections{pool="main"} 10')
      expect(service.output()).toContain(`status:  ${service.url}/status`)
      expect((await fetch(`${service.url}/status/data`)).status).toBe(200)
      expect(service.spawned.map(commandOf)).toContain('postgres')

      // SIGINT to the process group is exactly what Ctrl-C in a terminal sends.
      process.kill(-service.pid, 'SIGINT')
      const exit = await service.waitForExit()
      expect(service.spawned.filter(isAlive)).toEqual([])
      expect(existsSync(service.dataFolder)).toBe(false)
      expect(service.output()).toContain('SIGINT: stopping...')
      expect(exit).toEqual({ code: 0, signal: null })
    } finally {
      service.killAll()
    }
  }, 90_000)

  it('stops its embedded PostgreSQL and deletes its data when only the service gets SIGTERM', async () => {
    const service = await startServiceProcess('node')
    try {
      expect(existsSync(service.dataFolder)).toBe(true)
      process.kill(service.pid, 'SIGTERM')
      const exit = await service.waitForExit()
      expect(service.spawned.filter(isAlive)).toEqual([])
      expect(existsSync(service.dataFolder)).toBe(false)
      expect(exit).toEqual({ code: 0, signal: null })
    } finally {
      service.killAll()
    }
  })

  // A process manager or container runtime signals npm alone: npm passes it to its script's shell,
  // and a shell that does not exec its last command (Debian's dash) died without passing it on.
  it('stops the service and its PostgreSQL when only the npm process gets SIGTERM', async () => {
    const service = await startServiceProcess('npm-root')
    try {
      process.kill(service.pid, 'SIGTERM')
      const exit = await service.waitForExit()
      expect(service.spawned.filter(isAlive)).toEqual([])
      expect(existsSync(service.dataFolder)).toBe(false)
      expect(service.output()).toContain('SIGTERM: stopping...')
      expect(service.output()).toMatch(/^stopped$/m)
      expect(exit).toEqual({ code: 0, signal: null })
    } finally {
      service.killAll()
    }
  }, 120_000)

  // The service is killed outright (OOM killer, SIGKILL after a stop timed out): its database process
  // sees the IPC channel close and cleans up by itself.
  it('stops the embedded PostgreSQL and deletes its data when the service is killed with SIGKILL', async () => {
    const service = await startServiceProcess('node')
    try {
      process.kill(service.pid, 'SIGKILL')
      await service.waitForExit()
      await waitFor('every descendant to end', () => (service.spawned.some(isAlive) ? undefined : true), 20_000, 50).catch(() => undefined)
      expect(service.spawned.filter(isAlive)).toEqual([])
      expect(existsSync(service.dataFolder)).toBe(false)
    } finally {
      service.killAll()
    }
  })
})

