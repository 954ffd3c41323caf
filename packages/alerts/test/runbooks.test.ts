import { readFileSync } from 'node:fs'
import { alertCatalog, seriesNames } from '@intervai/metrics-catalog'
import { describe, expect, it } from 'vitest'
import { defaultRunbookBase, grafanaDashboard, prometheusRules, type AlertingRule } from '../src/index.js'
import { parsePromql } from './promql.js'

const text = readFileSync(new URL('../RUNBOOKS.md', import.meta.url), 'utf8')
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { files: string[] }

/** The anchors GitHub gives the headings of a Markdown file (lower case, punctuation dropped, spaces to dashes, repeats numbered). */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  for (const [, heading = ''] of markdown.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    out.add(count === 0 ? slug : `${slug}-${count}`)
  }
  return out
}

/** The `## <name>` sections of the file, by name. */
const sections = new Map(
  text
    .split(/^## /m)
    .slice(1)
    .map((section) => [section.slice(0, section.indexOf('\n')).trim(), section] as const),
)
const alertNames = Object.values(alertCatalog).map((spec) => spec.alert)
const alertingRules = (options = {}): AlertingRule[] => prometheusRules(options).groups.flatMap((g) => g.rules.filter((r): r is AlertingRule => 'alert' in r))

describe('RUNBOOKS.md', () => {
  it('has one section per alert of the catalog, and no other', () => {
    expect([...sections.keys()]).toEqual(alertNames)
  })

  it('is the target of every runbook_url the rules generate: each link ends in an anchor of the file', () => {
    const found = anchors(text)
    const rules = alertingRules()
    expect(rules).toHaveLength(21)
    for (const rule of rules) {
      const url = rule.annotations.runbook_url
      expect(url, rule.alert).toBe(`${defaultRunbookBase}#${rule.alert.toLowerCase()}`)
      expect(found.has(url.slice(url.indexOf('#') + 1)), url).toBe(true)
    }
  })

  it('links to its own sections by anchors that exist', () => {
    const found = anchors(text)
    const links = [...text.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1] as string)
    expect(links.length).toBeGreaterThan(0)
    for (const link of links) expect(found.has(link), link).toBe(true)
  })

  it.each(alertNames)('%s: says what it means, what to look at, the causes, what to do and when it resolves', (alert) => {
    const section = sections.get(alert) as string
    for (const part of ['**What it means.**', '**Look first.**', '**Likely causes', '**What to do.**', '**When it resolves.**']) {
      expect(section, `${alert}: ${part}`).toContain(part)
    }
    expect(section, alert).toMatch(/```promql\n/)
  })

  it('names only panels the dashboard has (as **Row › Panel**), at least one per alert', () => {
    const { panels } = grafanaDashboard()
    const existing = new Set<string>()
    let row = ''
    for (const panel of panels) {
      if (panel.type === 'row') row = panel.title
      else existing.add(`${row} › ${panel.title}`)
    }
    for (const [alert, section] of sections) {
      const named = [...section.matchAll(/\*\*([^*]+ › [^*]+)\*\*/g)].map((m) => m[1] as string)
      expect(named.length, alert).toBeGreaterThan(0)
      for (const panel of named) expect(existing.has(panel), `${alert}: ${panel}`).toBe(true)
    }
  })

  it('writes PromQL that parses and reads only metrics the packages define', () => {
    const known = seriesNames('')
    const blocks = [...text.matchAll(/```promql\n([\s\S]*?)```/g)].map((m) => (m[1] as string).trim())
    expect(blocks.length).toBeGreaterThanOrEqual(alertNames.length)
    for (const expr of blocks) {
      const parsed = parsePromql(expr)
      expect(parsed.errors, expr).toEqual([])
      for (const name of parsed.metricNames) expect(known.has(name), `${name} in ${expr}`).toBe(true)
    }
  })

  it('ships in the package', () => {
    expect(manifest.files).toContain('RUNBOOKS.md')
  })

  it('moves with --runbook-base: the rules and the dashboard link to the base given', () => {
    const base = 'https://wiki.example.com/ops/intervai'
    for (const rule of alertingRules({ runbookBase: base })) expect(rule.annotations.runbook_url).toBe(`${base}#${rule.alert.toLowerCase()}`)
    const links = grafanaDashboard({ runbookBase: base }).panels.flatMap((p) => (p.links as { url: string }[] | undefined) ?? [])
    expect(links.map((l) => l.url).sort()).toEqual(alertNames.map((a) => `${base}#${a.toLowerCase()}`).sort())
  })
})
