import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { boundedLabel, createMetrics } from '../src/index.js'

const metrics = () => createMetrics({ registry: new Registry() })

describe('bad options fail at setup, naming the option and the value', () => {
  it('rejects a prefix with bad characters', () => {
    expect(() => createMetrics({ registry: new Registry(), prefix: 'my-app ' })).toThrow(
      '@intervai/metrics-core: option "prefix" must be a string matching [a-zA-Z_:][a-zA-Z0-9_:]* (or empty) (got "my-app ")',
    )
  })

  it('rejects a non-string prefix', () => {
    expect(() => createMetrics({ registry: new Registry(), prefix: 42 as never })).toThrow('option "prefix" must be a string matching [a-zA-Z_:][a-zA-Z0-9_:]* (or empty) (got 42)')
  })

  it('rejects something that is not a registry', () => {
    expect(() => createMetrics({ registry: {} as never })).toThrow('option "registry" must be a prom-client Registry (got {})')
  })

  it('rejects unsorted buckets', () => {
    expect(() => metrics().histogram({ name: 'h', help: 'h', buckets: [1, 0.5] })).toThrow(
      'option "buckets" must be strictly increasing (sorted, no duplicates) (got [1,0.5])',
    )
  })

  it('rejects negative buckets', () => {
    expect(() => metrics().histogram({ name: 'h', help: 'h', buckets: [-1, 1] })).toThrow('option "buckets" must be a non-empty array of increasing finite numbers >= 0 (got [-1,1])')
  })

  it('rejects non-numeric buckets', () => {
    expect(() => metrics().histogram({ name: 'h', help: 'h', buckets: ['1'] as never })).toThrow(
      'option "buckets" must be a non-empty array of increasing finite numbers >= 0 (got ["1"])',
    )
  })

  it('rejects a bad metric name', () => {
    expect(() => metrics().counter({ name: 'bad name', help: 'h' })).toThrow('option "name" must be a metric name matching [a-zA-Z_:][a-zA-Z0-9_:]* (got "bad name")')
  })

  it('rejects reserved label names', () => {
    expect(() => metrics().counter({ name: 'c', help: 'h', labelNames: ['__proto__'] })).toThrow('option "labelNames"')
    expect(() => metrics().histogram({ name: 'h', help: 'h', labelNames: ['le'], buckets: [1] })).toThrow('option "labelNames"')
  })

  it('rejects default labels that are not strings', () => {
    expect(() => createMetrics({ registry: new Registry(), defaultLabels: { service: 1 as never } })).toThrow(
      'option "defaultLabels.service" must be a string (got 1)',
    )
  })

  it('rejects a bounded label limit that is not a whole number', () => {
    expect(() => boundedLabel({ limit: -1 })).toThrow('option "limit" must be a whole number >= 0 (got -1)')
  })
})

describe('boundedLabel', () => {
  it('passes the first values through and folds the rest into the overflow value', () => {
    const bound = boundedLabel({ limit: 3, known: ['known'] })
    const out = ['a', 'b', 'known', 'c', 'd', 'a', 'e'].map(bound)
    expect(out).toEqual(['a', 'b', 'known', 'c', '_other', 'a', '_other'])
    expect(bound.size).toBe(4)
  })

  it('turns unusable values into the overflow value', () => {
    const bound = boundedLabel({ maxLength: 5 })
    expect([bound(undefined), bound({}), bound(''), bound('toolong'), bound(7)]).toEqual(['_other', '_other', '_other', '_other', '7'])
  })
})
