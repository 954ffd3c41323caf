import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { BusinessMetrics, Decision } from './business-metrics.js'
import type { ResumeModel } from './model.js'
import type { Repository } from './repository.js'

/** The header that names the calling user (a stand-in for real authentication). */
export const USER_HEADER = 'x-user-id'

const USER_ID = /^[A-Za-z0-9_.-]{1,64}$/
const UUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user, set by the API's onRequest hook. */
    userId: string
  }
}

/** What the API routes need. */
export interface ApiDependencies {
  repository: Repository
  model: ResumeModel
  business: BusinessMetrics
}

/** The user named by the request's `x-user-id` header, or undefined when it is missing or malformed. */
export function userOf(request: FastifyRequest): string | undefined {
  const value = request.headers[USER_HEADER]
  return typeof value === 'string' && USER_ID.test(value) ? value : undefined
}

/** Requires a user on every route of the encapsulating plugin. */
export function requireUser(app: FastifyInstance): void {
  app.decorateRequest('userId', '')
  app.addHook('onRequest', async (request, reply) => {
    const userId = userOf(request)
    if (userId === undefined) {
      return reply.code(401).send({ statusCode: 401, code: 'UNAUTHENTICATED', error: 'Unauthorized', message: `missing or invalid ${USER_HEADER} header` })
    }
    request.userId = userId
  })
}

const optimizationParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: UUID } },
} as const

/** Create, list and read optimizations; decide on suggestions. */
export function apiRoutes(app: FastifyInstance, deps: ApiDependencies): void {
  const { repository, model, business } = deps

  app.post<{ Body: { targetRole: string; resume: string } }>(
    '/optimizations',
    {
      // The per-user quota; max, window, store and hooks come from the rate-limit registration.
      config: { rateLimit: {} },
      schema: {
        body: {
          type: 'object',
          required: ['targetRole', 'resume'],
          additionalProperties: false,
          properties: {
            targetRole: { type: 'string', minLength: 1, maxLength: 100 },
            resume: { type: 'string', minLength: 20, maxLength: 20_000 },
          },
        },
      },
    },
    async (request, reply) => {
      await model.analyze(request.body.resume)
      const optimization = await repository.create(request.userId, request.body.targetRole, request.body.resume)
      return reply.code(201).send({ ...optimization, stream: `/optimizations/${optimization.id}/stream` })
    },
  )

  app.get<{ Querystring: { limit?: number } }>(
    '/optimizations',
    { schema: { querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 } } } } },
    async (request) => ({ optimizations: await repository.list(request.userId, request.query.limit ?? 20) }),
  )

  app.get<{ Params: { id: string } }>('/optimizations/:id', { schema: { params: optimizationParams } }, async (request, reply) => {
    const optimization = await repository.get(request.userId, request.params.id)
    if (optimization === undefined) return reply.code(404).send(notFound('optimization'))
    return optimization
  })

  app.post<{ Params: { id: string; suggestionId: string }; Body: { decision: Decision } }>(
    '/optimizations/:id/suggestions/:suggestionId/decision',
    {
      schema: {
        params: {
          type: 'object',
          required: ['id', 'suggestionId'],
          properties: { id: { type: 'string', pattern: UUID }, suggestionId: { type: 'string', pattern: UUID } },
        },
        body: {
          type: 'object',
          required: ['decision'],
          additionalProperties: false,
          properties: { decision: { type: 'string', enum: ['accepted', 'rejected'] } },
        },
      },
    },
    async (request, reply) => {
      const { id, suggestionId } = request.params
      const result = await repository.decide(request.userId, id, suggestionId, request.body.decision)
      if (result === 'not-found') return reply.code(404).send(notFound('suggestion'))
      if (result === 'already-decided') {
        return reply.code(409).send({ statusCode: 409, code: 'ALREADY_DECIDED', error: 'Conflict', message: 'this suggestion was already decided' })
      }
      business.suggestionDecided(request.body.decision)
      return { id: suggestionId, decision: request.body.decision }
    },
  )
}

function notFound(what: string): Record<string, unknown> {
  return { statusCode: 404, code: 'NOT_FOUND', error: 'Not Found', message: `no such ${what}` }
}
