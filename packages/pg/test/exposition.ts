import { createMetrics, type Metrics } from '@intervai/metrics-core'
import { Registry } from 'prom-client'
import { parseExposition as parseStrict, type Sample } from '../../../test/support/exposition.js'

export type { Sample } from '../../../test/support/exposition.js'

/** Parses Prometheus text exposition back into samples (strictly: a malformed line throws). */
export function parseExposition(text: string): Sample[] {
  return parseStrict(text).samples
}

/** A scrape of one metrics object, with lookups. */
export class Scrape {
  readonly samples: Sample[]
  constructor(readonly text: string) {
    this.samples = parseExposition(text)
  }

  /** Samples of `name` whose labels include every pair of `labels`. */
  find(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  }

  /** The value of the one sample matching, or undefined when there is none. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const found = this.find(name, labels)
    if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`)
    return found[0]?.value
  }

  /** The sum over every sample matching (0 when none). */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.find(name, labels).reduce((total, s) => total + s.value, 0)
  }
}

/** Renders `metrics` and parses the result. */
export async function scrape(metrics: Metrics): Promise<Scrape> {
  return new Scrape((await metrics.render()).body)
}

/** A metrics object on a registry of its own, with caught recording failures kept in `failures`. */
export function freshMetrics(): { metrics: Metrics; failures: unknown[] } {
  const failures: unknown[] = []
  const metrics = createMetrics({ registry: new Registry(), onError: (error) => failures.push(error) })
  return { metrics, failures }
}

/** Runs `tasks` with at most `concurrency` of them in flight. */
export async function runConcurrently(tasks: ReadonlyArray<() => Promise<unknown>>, concurrency: number): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++] as () => Promise<unknown>
      await task()
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}

/** Polls `condition` every 5 ms until it holds; throws after `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
