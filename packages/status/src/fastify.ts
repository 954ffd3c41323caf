import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { FASTIFY_REGISTER_OPTIONS } from '@intervai/metrics-core/internal'
import { PKG } from './options.js'
import type { Answer } from './responder.js'
import { openStatus, type OpenStatus } from './status.js'
import type { StatusPageOptions } from './types.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false` leaves this route out of the HTTP metrics. @default true */
    metrics?: boolean
  }
}

/** Options of `fastifyStatusPage`. */
export interface FastifyStatusPageOptions extends StatusPageOptions {}

function send(reply: FastifyReply, answer: Answer): FastifyReply {
  return reply.code(answer.status).headers(answer.headers).send(answer.body)
}

const plugin: FastifyPluginCallback<FastifyStatusPageOptions> = (app, opts, done) => {
  let status: OpenStatus
  try {
    status = openStatus(opts, FASTIFY_REGISTER_OPTIONS)
  } catch (error) {
    // A callback plugin reports through done(); a throw would leave registration hanging.
    done(error as Error)
    return
  }
  const { responder } = status
  const onRequest = (request: FastifyRequest, reply: FastifyReply, next: () => void): void => {
    if (responder.authorized(request.headers.authorization)) next()
    else void send(reply, responder.unauthorized())
  }
  // The page's own requests are not the app's traffic: left out of the HTTP metrics.
  app.route({
    method: 'GET',
    url: responder.path,
    config: { metrics: false },
    onRequest,
    handler: (request, reply) => send(reply, responder.pageAnswer(request.headers['accept-encoding'])),
  })
  app.route({
    method: 'GET',
    url: responder.dataPath,
    config: { metrics: false },
    onRequest,
    handler: async (request, reply) => send(reply, await responder.dataAnswer(request.headers['accept-encoding'])),
  })
  app.addHook('onClose', (_instance, next) => {
    status.close()
    next()
  })
  done()
}

/**
 * Fastify plugin serving the live status page at `path` (default `/status`) and its JSON at
 * `<path>/data`, behind `auth` when given; both routes are left out of the HTTP metrics.
 * Sampling starts at registration and stops when the app closes.
 */
export const fastifyStatusPage = fp(plugin, { name: PKG, fastify: '5.x' })
