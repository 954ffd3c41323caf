import { createHash } from 'node:crypto'
import { SCRIPTS, STYLES } from './generated/assets.js'

/** The page, ready to send: its HTML and the Content-Security-Policy that allows exactly its own inline code. */
export interface StatusPage {
  readonly html: string
  readonly contentSecurityPolicy: string
}

function hash(text: string): string {
  return `'sha256-${createHash('sha256').update(text).digest('base64')}'`
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/**
 * The status page: one HTML document with uPlot and the page's script and styles inlined, so it
 * needs nothing but `<path>/data` (no CDN; it works offline). Its policy lets only these inline
 * scripts and styles run, and lets it connect only to its own origin.
 */
export function statusPage(title: string): StatusPage {
  const html = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    // No favicon request (a 404 in the console otherwise).
    '<link rel="icon" href="data:,">',
    `<title>${escapeHtml(title)} – status</title>`,
    `<style>${STYLES}</style>`,
    '</head>',
    '<body>',
    `<header><h1>${escapeHtml(title)}</h1><div id="summary"></div><div id="updated">Loading…</div></header>`,
    '<main><section id="alerts"><h2>Alerts</h2></section><div id="groups"></div></main>',
    ...SCRIPTS.map((script) => `<script>${script}</script>`),
    '</body>',
    '</html>',
    '',
  ].join('\n')
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src ${SCRIPTS.map(hash).join(' ')}`,
    `style-src ${hash(STYLES)}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
  return { html, contentSecurityPolicy }
}
