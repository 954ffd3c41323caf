#!/usr/bin/env node
// Committed so that npm links the command at the first install, before any build: the
// monorepo's `npm ci` links workspace bins before `dist/` exists.
import { existsSync } from 'node:fs'

const cli = new URL('../dist/cli.js', import.meta.url)
if (!existsSync(cli)) {
  process.stderr.write('intervai-metrics: dist/cli.js is missing; build first (npm run build)\n')
  process.exit(1)
}
await import(cli.href)
