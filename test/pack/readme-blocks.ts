import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, relative } from 'node:path'

/** One ```ts block of a README. */
export interface CodeBlock {
  /** The README, relative to the repository root. */
  readme: string
  /** The line of the opening fence. */
  line: number
  code: string
}

/** Every ```ts block of a Markdown file. */
export function codeBlocks(root: string, readme: string): CodeBlock[] {
  const lines = readFileSync(join(root, readme), 'utf8').split('\n')
  const blocks: CodeBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```ts') continue
    const start = i
    const code: string[] = []
    while (++i < lines.length && lines[i]!.trim() !== '```') code.push(lines[i]!)
    blocks.push({ readme, line: start + 1, code: code.join('\n') })
  }
  return blocks
}

/**
 * Writes each block as a module of its own in `dir`, named after its README and line
 * (`readme-packages-ws-L27.ts`), and returns the file names.
 *
 * A block that imports something is a complete program and compiles alone. A block without
 * imports continues its README's story (`app`, `metrics`, `store` from an earlier block):
 * it compiles after that README's prelude, `preludes/<package>.ts` (`root.ts` for the top
 * README), which imports and declares the names the README has already introduced.
 */
export function writeBlocks(root: string, blocks: CodeBlock[], preludes: string, dir: string): string[] {
  mkdirSync(dir, { recursive: true })
  return blocks.map((block) => {
    const area = dirname(block.readme) === '.' ? 'root' : basename(dirname(block.readme))
    const name = `readme-${area}-L${block.line}.ts`
    let text = `// ${block.readme}, the block at line ${block.line}\n${block.code}\n`
    if (!/^import\s/m.test(block.code)) {
      const prelude = join(preludes, `${area}.ts`)
      if (!existsSync(prelude)) {
        throw new Error(`${block.readme}:${block.line} imports nothing and ${relative(root, prelude)} does not exist: make the block self-contained or add the prelude`)
      }
      text = `${readFileSync(prelude, 'utf8')}\n${text}export {}\n`
    }
    writeFileSync(join(dir, name), text)
    return name
  })
}
