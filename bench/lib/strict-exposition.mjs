import { readFileSync } from 'node:fs'
import { transform } from 'esbuild'

const SOURCE = new URL('../../test/support/exposition.ts', import.meta.url)

/**
 * The tests' strict exposition parser (test/support/exposition.ts), loaded as it is: esbuild
 * strips its types, so the bench and the tests share one parser instead of a copy. It throws on
 * any line it cannot read.
 * @returns {Promise<(text: string) => { samples: Array<{ name: string, labels: Record<string, string>, value: number }>,
 *   types: Map<string, string>, eof: boolean }>} parseExposition
 */
export async function loadStrictParser() {
  const { code } = await transform(readFileSync(SOURCE, 'utf8'), { loader: 'ts', format: 'esm', sourcefile: SOURCE.pathname })
  const module = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)
  return module.parseExposition
}
