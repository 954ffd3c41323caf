import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { prometheusFiles } from '../examples/intervai-service/src/prometheus-files.js'
import { findTool } from './support/tools.js'

const folder = fileURLToPath(new URL('../examples/intervai-service/prometheus/', import.meta.url))
const promtool = findTool('promtool')
const amtool = findTool('amtool', 'prometheus-alertmanager')

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

  it('sends the alerts to the Alertmanager on its default port', () => {
    expect(readFileSync(`${folder}prometheus.yml`, 'utf8')).toContain('alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ["127.0.0.1:9093"]\n')
  })

  it.skipIf(amtool === undefined)('has an alertmanager.yml amtool accepts, routing each severity to its receiver', () => {
    const output = execFileSync(amtool as string, ['check-config', `${folder}alertmanager.yml`], { encoding: 'utf8' })
    expect(output).toContain('SUCCESS')
    expect(output).toContain(' - 2 inhibit rules\n - 3 receivers\n')
    for (const [severity, receiver] of [['critical', 'intervai-page'], ['warning', 'intervai-notify'], ['info', 'intervai-track']]) {
      const routed = execFileSync(
        amtool as string,
        ['config', 'routes', 'test', `--config.file=${folder}alertmanager.yml`, `--verify.receivers=${receiver}`, 'alertname=ApiHighErrorRate', `severity=${severity}`, 'job=intervai-service'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
      )
      expect(routed).toBe(`${receiver}\n`)
    }
  })
})
