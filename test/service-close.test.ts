import { request as httpRequest, Agent, type IncomingMessage } from 'node:http'
import { connect } from 'node:net'
import { createMetrics } from '@intervai/metrics-core'
import { Registry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { SIMULATE } from '../examples/intervai-service/src/model.js'
import { USER_HEADER } from '../examples/intervai-service/src/routes.js'
import { resumeText } from '../examples/intervai-service/src/scenario.js'
import { buildService, type Service } from '../examples/intervai-service/src/service.js'
import { createTestDatabase, type TestDatabase } from './support/database.js'
import { waitFor } from './support/wait.js'

async function startService(database: TestDatabase, shutdownGraceMs?: number): Promise<{ service: Service; url: string }> {
  const service = await buildService({
    databaseUrl: database.url,
    metrics: createMetrics({ registry: new Registry() }),
    systemMetrics: false,
    modelLatencyMs: 2,
    dependencyTimeoutMs: 300,
    shutdownGraceMs,
  })
  return { service, url: await service.listen(0) }
}

async function activePosts(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  return Number(/^http_server_active_requests\{method="POST"\} (\d+)$/m.exec(text)?.[1] ?? 0)
}

describe('closing the example service', () => {
  let database: TestDatabase

  beforeAll(async () => {
    database = await createTestDatabase()
  })

  afterAll(async () => {
    await database?.drop()
  })

  // Node keeps a keep-alive connection whose answer finished during server.close() open until
  // keepAliveTimeout (72 s in Fastify), so close() waited for it; the answer now tells the client to close.
  it('answers a request in flight when close() begins, with Connection: close', async () => {
    const { service, url } = await startService(database)
    const agent = new Agent({ keepAlive: true })
    try {
      const body = JSON.stringify({ targetRole: 'Engineer', resume: resumeText(2, SIMULATE.timeout) })
      const answered = new Promise<IncomingMessage>((resolve, reject) => {
        const request = httpRequest(`${url}/optimizations`, { method: 'POST', agent, headers: { [USER_HEADER]: 'closing', 'content-type': 'application/json' } }, resolve)
        request.once('error', reject)
        request.end(body)
      })
      await waitFor('the request to be in flight', async () => ((await activePosts(url)) === 1 ? true : undefined), 10_000, 10)
      const closed = service.close()
      const response = await answered
      response.resume()
      expect(response.statusCode).toBe(504)
      expect(response.headers.connection).toBe('close')
      await closed
    } finally {
      agent.destroy()
      await service.close()
    }
  })

  it('closes an open WebSocket with 1001 (going away)', async () => {
    const { service, url } = await startService(database)
    try {
      const created = await fetch(`${url}/optimizations`, {
        method: 'POST',
        headers: { [USER_HEADER]: 'socket', 'content-type': 'application/json' },
        body: JSON.stringify({ targetRole: 'Engineer', resume: resumeText(2, '') }),
      })
      const { id } = (await created.json()) as { id: string }
      const socket = new WebSocket(`${url.replace('http', 'ws')}/optimizations/${id}/stream`, { headers: { [USER_HEADER]: 'socket' } })
      await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject))
      const closed = new Promise<[number, string]>((resolve) => socket.once('close', (code, reason) => resolve([code, reason.toString()])))
      await service.close()
      expect(await closed).toEqual([1001, 'server shutting down'])
    } finally {
      await service.close()
    }
  })

  it('closes a connection still open when shutdownGraceMs has passed', async () => {
    const { service, url } = await startService(database, 100)
    const { port } = new URL(url)
    // A request whose body never comes in full: no handler runs, so nothing would ever end it.
    const socket = connect(Number(port), '127.0.0.1')
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()))
    socket.on('error', () => {})
    await new Promise((resolve) => socket.once('connect', resolve))
    socket.write(`POST /optimizations HTTP/1.1\r\nHost: 127.0.0.1\r\n${USER_HEADER}: partial\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"targetRole"`)
    await waitFor('the request to be in flight', async () => ((await activePosts(url)) === 1 ? true : undefined), 10_000, 10)
    await service.close()
    await ended
    expect(socket.destroyed).toBe(true)
  })
})
