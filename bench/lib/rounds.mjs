/**
 * Runs variants in alternation for a number of rounds (A B C A B C ...), so drift of the
 * machine spreads evenly over every variant, and collects each result per variant.
 * @template T
 * @param {{ rounds: number, variants: string[], run: (variant: string, round: number) => Promise<T>,
 *   onResult?: (variant: string, round: number, result: T) => void }} options
 *   rounds: how many rounds (>= 1); variants: names in the order run each round; run: one
 *   measurement; onResult: called after each measurement (progress printing)
 * @returns {Promise<Record<string, T[]>>} results per variant, in round order
 */
export async function alternate({ rounds, variants, run, onResult }) {
  /** @type {Record<string, T[]>} */
  const results = Object.fromEntries(variants.map((v) => [v, []]))
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) {
      const result = await run(variant, round)
      results[variant].push(result)
      onResult?.(variant, round, result)
    }
  }
  return results
}
