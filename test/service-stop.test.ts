import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { SIMULATE } from '../examples/intervai-service/src/model.js'
import { USER_HEADER } from '../examples/intervai-service/src/routes.js'
import { resumeText, runScenario } from '../examples/intervai-service/src/scenario.js'
import { isAlive } from './support/processes.js'
import { startServiceProcess, type StartCommand } from './support/service-process.js'
import { waitFor } from './support/wait.js'

/** One way to stop the example: how it was started, the signal, and who gets it. */
interface StopWay {
  command: StartCommand
  signal: 'SIGINT' | 'SIGTERM'
  /** `group`: what Ctrl-C in a terminal does; `process`: what a process manager does. */
  target: 'group' | 'process'
}

const WAYS: StopWay[] = [
  { command: 'npm-root', signal: 'SIGINT', target: 'group' },
  { command: 'node', signal: 'SIGTERM', target: 'process' },
  { command: 'npm-root', signal: 'SIGTERM', target: 'process' },
  { command: 'node', signal: 'SIGINT', target: 'group' },
]

// `npm test` stops the example once each way; `npm run test:stops` sets INTERVAI_STOPS=20.
const STOPS = Number(process.env.INTERVAI_STOPS ?? WAYS.length)

/** Plain HTTP requests in a loop on a few keep-alive connections, until the service is gone. */
function httpLoad(url: string, signalled: () => boolean): { done: Promise<void>; responses: () => number; errorsBeforeSignal: string[] } {
  const errorsBeforeSignal: string[] = []
  let responses = 0
  const paths = ['/health', '/optimizations', '/nope']
  const loop = async (n: number): Promise<void> => {
    for (let i = 0; ; i++) {
      try {
        const response = await fetch(url + paths[(n + i) % paths.length], { headers: { [USER_HEADER]: `stop-load-${n}` } })
        await response.arrayBuffer()
        responses++
      } catch (error) {
        if (!signalled()) errorsBeforeSignal.push(String(error))
        return
      }
    }
  }
  return { done: Promise.all([0, 1, 2, 3].map(loop)).then(() => undefined), responses: () => responses, errorsBeforeSignal }
}

/** Resolves with the current value of `http_server_active_requests{method}`. */
async function activeRequests(url: string, method: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const match = new RegExp(`^http_server_active_requests\\{method="${method}"\\} (\\d+)$`, 'm').exec(text)
  return match ? Number(match[1]) : undefined
}

describe('stopping the example service', () => {
  it(`stops cleanly under load ${STOPS} times in a row (SIGINT and SIGTERM, as npm start and as node dist/main.js)`, async () => {
    const started = Date.now()
    for (let stop = 0; stop < STOPS; stop++) {
      const way = WAYS[stop % WAYS.length] as StopWay
      const label = `stop ${stop + 1} (${way.command}, ${way.signal} to the ${way.target})`
      const service = await startServiceProcess(way.command)
      let signalled = false
      try {
        const { url } = service
        const user = `stop-${stop}`
        // A WebSocket open on a stream when the signal comes: the service must close it with 1001.
        const created = await fetch(`${url}/optimizations`, {
          method: 'POST',
          headers: { [USER_HEADER]: user, 'content-type': 'application/json' },
          body: JSON.stringify({ targetRole: 'Engineer', resume: resumeText(2, '') }),
        })
        expect(created.status, label).toBe(201)
        const { id } = (await created.json()) as { id: string }
        const socket = new WebSocket(`${url.replace('http', 'ws')}/optimizations/${id}/stream`, { headers: { [USER_HEADER]: user } })
        const closeCode = new Promise<number>((resolve, reject) => {
          socket.once('close', resolve)
          socket.once('error', reject)
        })
        await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))

        // A request in flight when the signal comes (the model call times out after 1 s): it must get its answer.
        const slow = fetch(`${url}/optimizations`, {
          method: 'POST',
          headers: { [USER_HEADER]: `${user}-slow`, 'content-type': 'application/json' },
          body: JSON.stringify({ targetRole: 'Engineer', resume: resumeText(2, SIMULATE.timeout) }),
        }).then((response) => response.status, (error: unknown) => String(error))
        await waitFor(`${label}: the slow request to be in flight`, async () => ((await activeRequests(url, 'POST')) === 1 ? true : undefined), 10_000, 10)

        // Load: the scenario and plain HTTP requests, running when the signal arrives.
        let scenarioRequests = 0
        const scenario = runScenario({
          baseUrl: url,
          users: 4,
          optimizationsPerUser: 6,
          userPrefix: `stop-${stop}-load`,
          onProgress: (p) => (scenarioRequests = p.requests),
        }).catch(() => undefined)
        const http = httpLoad(url, () => signalled)
        await waitFor(`${label}: load to flow`, () => (scenarioRequests >= 10 && http.responses() >= 10 ? true : undefined), 10_000, 5)

        signalled = true
        process.kill(way.target === 'group' ? -service.pid : service.pid, way.signal)
        const exit = await service.waitForExit(30_000)
        await Promise.all([scenario, http.done])

        expect(exit, `${label}\n${service.output()}`).toEqual({ code: 0, signal: null })
        expect(service.output(), label).toContain(`${way.signal}: stopping...`)
        expect(service.output(), label).toMatch(/^stopped$/m)
        expect(service.spawned.filter(isAlive), label).toEqual([])
        expect(existsSync(service.dataFolder), label).toBe(false)
        expect(await slow, `${label}: the request in flight`).toBe(504)
        expect(await closeCode, `${label}: the open WebSocket`).toBe(1001)
        expect(http.errorsBeforeSignal, label).toEqual([])
      } finally {
        service.killAll()
      }
    }
    console.log(`${STOPS} stops in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  }, 30_000 + STOPS * 60_000)
})
