/**
 * A fixed-size ring of rows of `width` numbers: pushing past `capacity` overwrites the oldest
 * row, so memory is `capacity × width` doubles whatever the uptime. Rows are read by logical
 * index, 0 being the oldest kept.
 */
export class Ring {
  private readonly data: Float64Array
  private next = 0
  private count = 0
  private pushes = 0

  constructor(
    readonly capacity: number,
    readonly width = 1,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a whole number >= 1 (got ${capacity})`)
    this.data = new Float64Array(capacity * width)
  }

  /** Rows held (at most `capacity`). */
  get size(): number {
    return this.count
  }

  /** Whether rows were overwritten (more pushes than `capacity`). */
  get wrapped(): boolean {
    return this.pushes > this.capacity
  }

  /** Bytes of the backing array. */
  get bytes(): number {
    return this.data.byteLength
  }

  /**
   * Appends a row and returns it to be filled in (a view on the ring: fill it before the next
   * push). Every value starts as NaN, "no value".
   */
  push(): Float64Array {
    const start = this.next * this.width
    const row = this.data.subarray(start, start + this.width)
    row.fill(Number.NaN)
    this.next = (this.next + 1) % this.capacity
    this.pushes++
    if (this.count < this.capacity) this.count++
    return row
  }

  /** Appends a one-value row. */
  pushValue(value: number): void {
    ;(this.push() as Float64Array)[0] = value
  }

  /** Value `column` of row `index` (0 = oldest); NaN outside the rows held. */
  at(index: number, column = 0): number {
    if (index < 0 || index >= this.count) return Number.NaN
    return this.data[this.offset(index) + column] as number
  }

  /** Row `index` (0 = oldest), as a view; undefined outside the rows held. */
  row(index: number): Float64Array | undefined {
    if (index < 0 || index >= this.count) return undefined
    const start = this.offset(index)
    return this.data.subarray(start, start + this.width)
  }

  /** The newest value of `column`; NaN when empty. */
  last(column = 0): number {
    return this.at(this.count - 1, column)
  }

  private offset(index: number): number {
    return ((this.next - this.count + index + this.capacity) % this.capacity) * this.width
  }
}
