import { writeFile } from 'node:fs/promises'
import { prometheusFiles } from './prometheus-files.js'

// `npm run prometheus:files`: (re)writes prometheus/ next to this package's dist/.
const folder = new URL('../prometheus/', import.meta.url)
for (const [name, content] of Object.entries(prometheusFiles())) {
  await writeFile(new URL(name, folder), content)
  console.log(`wrote prometheus/${name}`)
}
