import { describe, expect, it } from 'vitest'
import { Ring } from '../src/ring.js'

describe('Ring', () => {
  it('keeps the newest rows in order once it is full, overwriting the oldest', () => {
    const ring = new Ring(3)
    for (const value of [1, 2, 3, 4, 5]) ring.pushValue(value)
    expect(ring.size).toBe(3)
    expect([ring.at(0), ring.at(1), ring.at(2)]).toEqual([3, 4, 5])
    expect(ring.last()).toBe(5)
    expect(ring.wrapped).toBe(true)
  })

  it('holds rows of several columns, each new row starting as "no value"', () => {
    const ring = new Ring(2, 3)
    ring.push().set([1, 2, 3])
    const row = ring.push()
    row[1] = 7
    expect([...(ring.row(0) as Float64Array)]).toEqual([1, 2, 3])
    expect([...(ring.row(1) as Float64Array)]).toEqual([Number.NaN, 7, Number.NaN])
    expect(ring.at(1, 1)).toBe(7)
  })

  it('answers "no value" outside the rows it holds', () => {
    const ring = new Ring(4)
    ring.pushValue(1)
    expect(ring.at(-1)).toBeNaN()
    expect(ring.at(1)).toBeNaN()
    expect(ring.row(1)).toBeUndefined()
    expect(ring.wrapped).toBe(false)
  })

  it('uses the same memory after a million pushes as after the first', () => {
    const ring = new Ring(720, 13)
    const bytes = ring.bytes
    for (let i = 0; i < 1_000_000; i++) ring.push()[0] = i
    expect(ring.bytes).toBe(bytes)
    expect(bytes).toBe(720 * 13 * 8)
    expect(ring.at(0)).toBe(1_000_000 - 720)
    expect(ring.last()).toBe(999_999)
  })

  it('rejects a capacity that is not a whole number >= 1', () => {
    expect(() => new Ring(0)).toThrow(RangeError)
    expect(() => new Ring(1.5)).toThrow(RangeError)
  })
})
