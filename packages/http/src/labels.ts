/** The `route` label of every request no route matched (404 handler, Express fall-through). */
export const UNMATCHED_ROUTE = '__unmatched'
/** The `method` label of every method outside the standard set. */
export const OTHER_METHOD = '_OTHER'
/** The `status_code` label of a request whose client hung up before the response was complete. */
export const ABORTED_STATUS = '499'
/** The `status_code` label of a status outside 100..599. */
export const OTHER_STATUS = '_OTHER'
/** The component name under which caught recording failures are counted in `instrumentation_errors_total`. */
export const COMPONENT = 'http'

/** The methods recorded by name (RFC 9110 plus PATCH); every other one is `_OTHER`. */
export const STANDARD_METHODS: readonly string[] = Object.freeze(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE'])

/** Index of `_OTHER` in the per-method tables. */
export const OTHER_METHOD_INDEX = STANDARD_METHODS.length

const METHOD_INDEX: Record<string, number> = Object.create(null)
STANDARD_METHODS.forEach((method, index) => (METHOD_INDEX[method] = index))
const METHOD_LABELS = [...STANDARD_METHODS, OTHER_METHOD]

/** Size of the per-method tables (the standard methods and `_OTHER`). */
export const METHOD_COUNT = METHOD_LABELS.length

/** Index of a request method in the per-method tables (`OTHER_METHOD_INDEX` for non-standard ones). */
export function methodIndex(method: string | undefined): number {
  const index = method === undefined ? undefined : METHOD_INDEX[method]
  return index ?? OTHER_METHOD_INDEX
}

/** The `method` label for an index from `methodIndex`. */
export function methodLabel(index: number): string {
  return METHOD_LABELS[index] as string
}

/** The `status_code` label of a status code: the code itself when it is a valid HTTP status, else `_OTHER`. */
export function statusLabel(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : OTHER_STATUS
}

const ERROR_CODE = /^[A-Z][A-Z0-9_]{1,63}$/

/** A bounded description of an error: its `code` when it looks like one (`FST_ERR_VALIDATION`, `ECONNRESET`), else its class name. */
export function errorKind(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && ERROR_CODE.test(code)) return code
    const name = (error as { constructor?: { name?: unknown } }).constructor?.name
    if (typeof name === 'string' && name !== '') return name
  }
  return typeof error
}

