import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)

describe('a CommonJS consumer', () => {
  it('requires every package and records, serves and generates through them', async () => {
    const script = fileURLToPath(new URL('./e2e/commonjs-consumer.cjs', import.meta.url))
    const { stdout } = await run(process.execPath, ['--no-warnings', script], { cwd: fileURLToPath(new URL('..', import.meta.url)) })
    expect(JSON.parse(stdout)).toEqual({
      hooks: ['onExceeded', 'onExceeding'],
      store: 'function',
      rules: true,
      dashboard: 'string',
      hello: true,
      quota: true,
    })
  })
})
