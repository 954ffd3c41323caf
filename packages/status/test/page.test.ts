import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { UPLOT_VERSION } from '../src/generated/assets.js'
import { statusPage } from '../src/page.js'

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`

describe('the page', () => {
  it("allows by hash exactly the scripts and styles inlined in it, and nothing else", () => {
    const { html, contentSecurityPolicy } = statusPage('Status')
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] as string)
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1] as string)
    expect(scripts.length).toBe(2)
    expect(styles.length).toBe(1)
    const policy = Object.fromEntries(contentSecurityPolicy.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]))
    expect(policy['script-src']).toEqual(scripts.map(sha256))
    expect(policy['style-src']).toEqual(styles.map(sha256))
    expect(policy['default-src']).toEqual(["'none'"])
    expect(policy['connect-src']).toEqual(["'self'"])
  })

  it('escapes the title', () => {
    const { html } = statusPage('<img src=x onerror=alert(1)> & co')
    expect(html).toContain('<h1>&#60;img src=x onerror=alert(1)&#62; &#38; co</h1>')
    expect(html).not.toContain('<img')
  })

  it('carries uPlot with its license notice', () => {
    const { html } = statusPage('Status')
    expect(html).toContain(`/*! uPlot ${UPLOT_VERSION}`)
    expect(html).toContain('Permission is hereby granted, free of charge')
  })
})
