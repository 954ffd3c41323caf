import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { commandOf, descendantsOf, isAlive } from './support/processes.js'
import { waitFor } from './support/wait.js'

const root = fileURLToPath(new URL('..', import.meta.url))

describe('npm start', () => {
  it('serves /metrics within 60 s on an embedded PostgreSQL, and Ctrl-C leaves no process behind', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' }
    delete env.DATABASE_URL
    // Its own process group, so SIGINT to the group is exactly what Ctrl-C in a terminal sends.
    const child = spawn('npm', ['start'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    const pid = child.pid as number
    let spawned: number[] = []
    try {
      const metricsUrl = await waitFor(
        'npm start to print the /metrics URL',
        () => {
          if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}):\n${output}`)
          return /metrics: (http:\/\/\S+\/metrics)/.exec(output)?.[1]
        },
        60_000,
        200,
      )
      expect(output).toContain('API:     http://127.0.0.1:')
      const response = await fetch(metricsUrl)
      expect(response.status).toBe(200)
      const body = await response.text()
      expect(body).toContain('interview_ai_optimizations_total{status="completed"} 0')
      expect(body).toContain('pg_pool_max_connections{pool="main"} 10')

      spawned = descendantsOf(pid)
      expect(spawned.map(commandOf)).toContain('postgres')
      process.kill(-pid, 'SIGINT')
      await waitFor('npm start to exit', async () => (child.exitCode !== null || child.signalCode !== null ? true : undefined), 20_000, 100)
      await exited
      expect(spawned.filter(isAlive)).toEqual([])
      expect(output).toContain('SIGINT: stopping...')
    } finally {
      // Only if an assertion failed before the stop: take the whole group down.
      if (child.exitCode === null && child.signalCode === null) process.kill(-pid, 'SIGKILL')
      for (const leftover of spawned.filter(isAlive)) process.kill(leftover, 'SIGKILL')
    }
  }, 90_000)

  it('stops its embedded PostgreSQL and deletes its data when only the service gets SIGTERM', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' }
    delete env.DATABASE_URL
    const child = spawn(process.execPath, ['examples/intervai-service/dist/main.js'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const pid = child.pid as number
    let spawned: number[] = []
    try {
      await waitFor('the service to listen', () => {
        if (child.exitCode !== null) throw new Error(`the service exited (${child.exitCode}):\n${output}`)
        return output.includes('metrics: http://') ? true : undefined
      }, 60_000, 200)
      spawned = descendantsOf(pid)
      const postmaster = spawned.find((p) => commandOf(p) === 'postgres' && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('-D'))
      expect(postmaster).toBeDefined()
      const args = readFileSync(`/proc/${postmaster}/cmdline`, 'utf8').split('\0')
      const dataDir = args[args.indexOf('-D') + 1] as string
      expect(existsSync(dataDir)).toBe(true)
      process.kill(pid, 'SIGTERM')
      await waitFor('the service to exit', () => (child.exitCode !== null || child.signalCode !== null ? true : undefined), 20_000, 100)
      expect(spawned.filter(isAlive)).toEqual([])
      expect(existsSync(dataDir)).toBe(false)
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL')
      for (const leftover of spawned.filter(isAlive)) process.kill(leftover, 'SIGKILL')
    }
  })
})
