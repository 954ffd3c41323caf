/** One series of a Prometheus query result: its labels and its values (`[seconds, "value"]`). */
export interface PromSeries {
  readonly metric: Readonly<Record<string, string>>
  readonly values?: readonly [number, string][]
  readonly value?: readonly [number, string]
}

/** A small client of the Prometheus HTTP API (`/api/v1/query`, `/api/v1/query_range`). */
export class PrometheusApi {
  constructor(
    private readonly base: string,
    private readonly headers: Readonly<Record<string, string>>,
    private readonly timeoutMs: number,
  ) {}

  /** An instant query at `time` (seconds). */
  query(expr: string, time: number): Promise<PromSeries[]> {
    return this.get('query', { query: expr, time: String(time) })
  }

  /** A range query from `start` to `end` (seconds) every `step` seconds. */
  queryRange(expr: string, start: number, end: number, step: number): Promise<PromSeries[]> {
    return this.get('query_range', { query: expr, start: String(start), end: String(end), step: String(step) })
  }

  private async get(endpoint: string, params: Record<string, string>): Promise<PromSeries[]> {
    const url = `${this.base}/api/v1/${endpoint}?${new URLSearchParams(params).toString()}`
    const response = await fetch(url, { headers: { accept: 'application/json', ...this.headers }, signal: AbortSignal.timeout(this.timeoutMs) })
    const body = (await response.json().catch(() => undefined)) as { status?: string; error?: string; data?: { resultType: string; result: unknown } } | undefined
    if (body?.status !== 'success' || body.data === undefined) {
      throw new Error(`Prometheus ${endpoint} failed (HTTP ${response.status}${body?.error ? `: ${body.error}` : ''})`)
    }
    const { resultType, result } = body.data
    if (resultType === 'scalar') {
      const [t, v] = result as [number, string]
      return [{ metric: {}, value: [t, v] }]
    }
    return result as PromSeries[]
  }
}

/** A sample's text as a number (Prometheus writes `NaN`, `+Inf`, `-Inf` as such). */
export function sampleValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY
  if (text === '-Inf') return Number.NEGATIVE_INFINITY
  return Number(text)
}
