import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Markers a resume may contain to make the simulated AI model misbehave, so the load scenario
 * and the tests can produce dependency failures on demand.
 */
export const SIMULATE = {
  /** The analysis call takes longer than the dependency timeout (POST answers 504). */
  timeout: '[simulate:timeout]',
  /** Suggestion generation fails after the first suggestion (the stream ends with an error). */
  streamError: '[simulate:stream-error]',
} as const

/** At most this many suggestions per optimization. */
export const MAX_SUGGESTIONS = 20

/** The error thrown when the AI model does not answer in time. */
export class DependencyTimeoutError extends Error {
  readonly statusCode = 504
  readonly code = 'DEPENDENCY_TIMEOUT'
  constructor(dependency: string, timeoutMs: number) {
    super(`${dependency} did not answer within ${timeoutMs} ms`)
    this.name = 'DependencyTimeoutError'
  }
}

/** The error thrown when the AI model fails while generating suggestions. */
export class ModelError extends Error {
  readonly code = 'MODEL_FAILED'
  constructor(message: string) {
    super(message)
    this.name = 'ModelError'
  }
}

/** One proposed rewrite of a resume line. */
export interface Proposal {
  position: number
  original: string
  proposal: string
}

/** What the service needs from an AI model; this one is simulated with fixed latencies. */
export interface ResumeModel {
  /** Checks that the resume can be optimized; throws DependencyTimeoutError when the model is too slow. */
  analyze(resume: string): Promise<void>
  /** Yields one proposal per bullet line of the resume, one model call each. */
  suggest(resume: string, signal: AbortSignal): AsyncGenerator<Proposal>
}

/** The bullet lines (`- ...` or `* ...`) a suggestion is generated for. */
export function bulletsOf(resume: string): string[] {
  return resume
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^[-*]\s+\S/.test(line))
    .slice(0, MAX_SUGGESTIONS)
    .map((line) => line.replace(/^[-*]\s+/, ''))
}

/** A stand-in for the real AI model: deterministic rewrites after `latencyMs` per call. */
export function simulatedModel(latencyMs: number, timeoutMs: number): ResumeModel {
  return {
    async analyze(resume) {
      if (resume.includes(SIMULATE.timeout) || latencyMs >= timeoutMs) {
        // A hung or slow upstream: the caller gives up once the timeout has passed.
        await sleep(timeoutMs)
        throw new DependencyTimeoutError('resume model', timeoutMs)
      }
      await sleep(latencyMs)
    },
    async *suggest(resume, signal) {
      const failing = resume.includes(SIMULATE.streamError)
      let position = 0
      for (const original of bulletsOf(resume)) {
        await sleep(latencyMs, undefined, { signal })
        if (failing && position === 1) throw new ModelError('resume model failed while generating suggestions')
        yield { position, original, proposal: rewrite(original) }
        position++
      }
    },
  }
}

function rewrite(line: string): string {
  const text = line.replace(/^(responsible for|worked on|helped with)\s+/i, '')
  const capitalised = text.charAt(0).toUpperCase() + text.slice(1)
  return /\d/.test(text) ? `Led: ${capitalised}` : `Led: ${capitalised}, with a measurable result (e.g. "by 30%")`
}
