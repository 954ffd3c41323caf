import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { prometheusFiles } from '../examples/intervai-service/src/prometheus-files.js'
import { findTool } from './support/tools.js'

const folder = fileURLToPath(new URL('../examples/intervai-service/prometheus/', import.meta.url))
const promtool = findTool('promtool')

describe('examples/intervai-service/prometheus', () => {
  it('holds exactly the files the generator writes (regenerate with npm run prometheus:files)', () => {
    for (const [name, content] of Object.entries(prometheusFiles())) {
      expect(readFileSync(`${folder}${name}`, 'utf8'), name).toBe(content)
    }
  })

  it.skipIf(promtool === undefined)('is a configuration promtool accepts, rules included', () => {
    const output = execFileSync(promtool as string, ['check', 'config', `${folder}prometheus.yml`], { encoding: 'utf8' })
    expect(output).toContain('SUCCESS: 1 rule files found')
  })
})
