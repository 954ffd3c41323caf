import { httpLabels } from '@intervai/metrics-catalog'

/** The component under which caught recording failures are counted in `instrumentation_errors_total`. */
export const COMPONENT = 'http'

/**
 * The `route` prefix standing for mount paths whose patterns are unknown: Express 4 and router
 * < 2.3 publish no events, and `req.baseUrl` is the text a mount matched (`/tenants/t42`), never
 * its pattern. `<mount>/profile` is one series for every tenant.
 */
export const MOUNTED = '<mount>'

const METHOD_LABELS: readonly string[] = [...httpLabels.methods, httpLabels.otherMethod]
const METHOD_INDEX: Record<string, number> = Object.create(null)
httpLabels.methods.forEach((method, index) => (METHOD_INDEX[method] = index))

/** Size of the per-method tables (the catalog's methods and `_OTHER`). */
export const METHOD_COUNT = METHOD_LABELS.length

/** Index of a request method in the per-method tables; every method outside the catalog's is `_OTHER`'s. */
export function methodIndex(method: string | undefined): number {
  const index = method === undefined ? undefined : METHOD_INDEX[method]
  return index ?? METHOD_COUNT - 1
}

/** The `method` label of an index from `methodIndex`. */
export function methodLabel(index: number): string {
  return METHOD_LABELS[index] as string
}

/** The `status_code` label of a status: the code itself when it is a valid HTTP status, else `_OTHER`. */
export function statusLabel(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : httpLabels.otherStatus
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
