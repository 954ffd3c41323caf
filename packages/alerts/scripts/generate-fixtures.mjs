// Rewrites test/fixtures/<case>.rules.yml and <case>.test.yml from test/fixtures/cases.json,
// using the built package: run `npm run generate` (it builds first).
import { readFileSync, writeFileSync } from 'node:fs'
import { promtoolFiles } from '../dist/index.js'

const dir = new URL('../test/fixtures/', import.meta.url)
const cases = JSON.parse(readFileSync(new URL('cases.json', dir), 'utf8'))
for (const [name, options] of Object.entries(cases)) {
  for (const [file, content] of Object.entries(promtoolFiles(options, name))) {
    writeFileSync(new URL(file, dir), content)
    console.log(`wrote test/fixtures/${file}`)
  }
}
