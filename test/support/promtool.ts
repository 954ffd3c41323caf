import { spawnSync } from 'node:child_process'

/** Runs `promtool check metrics` on a Prometheus-text scrape; returns its exit code and output. */
export function promtoolCheckMetrics(promtool: string, text: string): { status: number | null; output: string } {
  const result = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' })
  return { status: result.status, output: `${result.stdout}${result.stderr}` }
}
