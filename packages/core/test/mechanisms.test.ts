import { Registry } from 'prom-client'
import { describe, expect, it, vi } from 'vitest'
import { createMetrics } from '../src/index.js'
import { instrumentOnce, patchMethod, resolvePackageOptions, sampleGauge, sharedState, check } from '../src/internal.js'
import { parseExposition, valueOf } from '../../../test/support/exposition.js'

const scrape = async (metrics: ReturnType<typeof createMetrics>) => parseExposition((await metrics.render()).body)

describe('patchMethod', () => {
  class Base {
    hello(): string {
      return 'base'
    }
  }

  it('wraps one instance and puts back the inherited method on undo', () => {
    const target = new Base()
    const other = new Base()
    const undo = patchMethod(target, 'hello', (original) => function (this: Base) {
      return `wrapped ${original.call(this)}`
    })
    expect(target.hello()).toBe('wrapped base')
    expect(other.hello()).toBe('base')
    undo()
    expect(target.hello()).toBe('base')
    expect(Object.hasOwn(target, 'hello')).toBe(false)
  })

  it('puts back an own method, and leaves a later patch of someone else in place', () => {
    const own = { hello: () => 'own' }
    const first = patchMethod(own, 'hello', () => () => 'ours')
    first()
    expect(own.hello()).toBe('own')
    const undo = patchMethod(own, 'hello', () => () => 'ours')
    own.hello = () => 'theirs'
    undo()
    expect(own.hello()).toBe('theirs')
  })
})

describe('sampleGauge', () => {
  it('sums the sources of one series, leaves out one that reads undefined, and drops the series with its last source', async () => {
    const metrics = createMetrics({ registry: new Registry() })
    const gauge = metrics.gauge({ name: 'pool_used', help: 'Used', labelNames: ['pool'] })
    let a: number | undefined = 2
    const undoA = sampleGauge(gauge, ['main'], () => a, () => {})
    const undoB = sampleGauge(gauge, ['main'], async () => 3, () => {})
    expect(valueOf(await scrape(metrics), 'pool_used', { pool: 'main' })).toBe(5)
    a = undefined
    expect(valueOf(await scrape(metrics), 'pool_used', { pool: 'main' })).toBe(3)
    undoB()
    expect(valueOf(await scrape(metrics), 'pool_used', { pool: 'main' })).toBeUndefined()
    a = 4
    expect(valueOf(await scrape(metrics), 'pool_used', { pool: 'main' })).toBe(4)
    undoA()
    expect(gauge.size).toBe(0)
    expect(valueOf(await scrape(metrics), 'pool_used', { pool: 'main' })).toBeUndefined()
  })

  it('keeps the last value when a source throws, and reports the error', async () => {
    const metrics = createMetrics({ registry: new Registry() })
    const gauge = metrics.gauge({ name: 'cpu_ratio', help: 'CPU' })
    const errors: unknown[] = []
    let fail = false
    sampleGauge(gauge, [], () => {
      if (fail) throw new Error('unreadable')
      return 0.25
    }, (error) => errors.push(error))
    expect(valueOf(await scrape(metrics), 'cpu_ratio')).toBe(0.25)
    fail = true
    expect(valueOf(await scrape(metrics), 'cpu_ratio')).toBe(0.25)
    expect(errors).toHaveLength(1)
  })

  it('rejects label values that do not fit the gauge', () => {
    const metrics = createMetrics({ registry: new Registry() })
    const gauge = metrics.gauge({ name: 'g', help: 'g', labelNames: ['a', 'b'] })
    expect(() => sampleGauge(gauge, ['x'], () => 1, () => {})).toThrow('metric "g" takes 2 label values, got 1')
  })
})

describe('instrumentOnce', () => {
  it('shares one instrumentation, warns when the options differ, and undoes it with the last release', () => {
    const target = {}
    const closed: string[] = []
    const warning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
    try {
      let made = 0
      const create = () => ({ id: ++made, close: (how?: string) => closed.push(how ?? 'close') })
      const a = instrumentOnce('@test/pkg', target, ['m1'], create)
      const b = instrumentOnce('@test/pkg', target, ['m1'], create)
      expect(warning).not.toHaveBeenCalled()
      const c = instrumentOnce('@test/pkg', target, ['m2'], create)
      expect(warning).toHaveBeenCalledTimes(1)
      expect(String(warning.mock.calls[0]?.[0])).toContain('@test/pkg: this target is already instrumented with other options')
      expect([a.first, b.first, c.first]).toEqual([true, false, false])
      expect(b.instrumentation).toBe(a.instrumentation)
      a.release()
      a.release()
      b.release()
      expect(closed).toEqual([])
      c.release()
      expect(closed).toEqual(['close'])
      const d = instrumentOnce('@test/pkg', target, ['m2'], create)
      expect(d.first).toBe(true)
      expect(d.instrumentation.id).toBe(2)
    } finally {
      warning.mockRestore()
    }
  })
})

describe('sharedState', () => {
  it('gives every caller with the same owner and key the same state', () => {
    const owner = {}
    const first = sharedState(owner, 'k', () => ({ n: 1 }))
    expect(sharedState(owner, 'k', () => ({ n: 2 }))).toBe(first)
    expect(sharedState({}, 'k', () => ({ n: 3 })).n).toBe(3)
  })
})

describe('resolvePackageOptions', () => {
  const spec = { server: check.string('default'), limit: check.integer(50, 1, 100) }

  it('names an unknown option instead of ignoring it', () => {
    expect(() => resolvePackageOptions('@test/pkg', { sever: 'x' }, spec)).toThrow(
      '@test/pkg: option "sever" must be one of the options (metrics, prefix, server, limit) (got "x")',
    )
  })

  it('accepts the keys it is told to ignore', () => {
    expect(resolvePackageOptions('@test/pkg', { logLevel: 'info' }, spec, ['logLevel']).server).toBe('default')
  })

  it('shares one metrics object per prefix when metrics is left out, and rejects a prefix that differs from the given metrics', () => {
    const a = resolvePackageOptions('@test/pkg', { prefix: 'shop_' }, spec)
    const b = resolvePackageOptions('@test/pkg', { prefix: 'shop_' }, spec)
    expect(a.metrics).toBe(b.metrics)
    expect(a.metrics.prefix).toBe('shop_')
    const metrics = createMetrics({ registry: new Registry(), prefix: 'app_' })
    expect(resolvePackageOptions('@test/pkg', { metrics, prefix: 'app_' }, spec).metrics).toBe(metrics)
    expect(() => resolvePackageOptions('@test/pkg', { metrics, prefix: 'other_' }, spec)).toThrow(
      '@test/pkg: option "prefix" must be the prefix of "metrics" ("app_"), or left out (got "other_")',
    )
    expect(() => resolvePackageOptions('@test/pkg', { metrics: {} }, spec)).toThrow('option "metrics" must be the object createMetrics() returns (got {})')
  })

  it('checks each option and applies defaults', () => {
    expect(() => resolvePackageOptions('@test/pkg', { limit: 1.5 }, spec)).toThrow('@test/pkg: option "limit" must be a whole number from 1 to 100 (got 1.5)')
    const { server, limit } = resolvePackageOptions('@test/pkg', undefined, spec)
    expect([server, limit]).toEqual(['default', 50])
  })
})

describe('metrics.safely', () => {
  it('returns what the function returns, with its this, and counts a throw instead of passing it on', async () => {
    const metrics = createMetrics({ registry: new Registry(), onError: () => {} })
    const guarded = metrics.safely('widget', function (this: { base: number }, n: number) {
      if (n < 0) throw new RangeError('negative')
      return this.base + n
    })
    const owner = { base: 10, guarded }
    expect(owner.guarded(5)).toBe(15)
    expect(owner.guarded(-1)).toBeUndefined()
    expect(owner.guarded(-2)).toBeUndefined()
    expect(valueOf(await scrape(metrics), 'instrumentation_errors_total', { component: 'widget' })).toBe(2)
  })
})

describe('unlabelled series', () => {
  it('can be removed (absent from the scrape) and comes back on next use', async () => {
    const metrics = createMetrics({ registry: new Registry() })
    const gauge = metrics.gauge({ name: 'memory_ratio', help: 'Memory' })
    expect(valueOf(await scrape(metrics), 'memory_ratio')).toBe(0)
    expect(gauge.remove()).toBe(true)
    expect(gauge.remove()).toBe(false)
    expect(valueOf(await scrape(metrics), 'memory_ratio')).toBeUndefined()
    gauge.labels().set(0.5)
    expect(valueOf(await scrape(metrics), 'memory_ratio')).toBe(0.5)
  })
})
