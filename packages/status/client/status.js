// The status page's script: polls <path>/data and draws it with uPlot (inlined before it).
// Plain browser JavaScript, no build step; every value from the server reaches the DOM through
// textContent, never as HTML.
;(() => {
  'use strict'
  const dataUrl = `${location.pathname.replace(/\/+$/, '')}/data`
  const PALETTE = ['#1570ef', '#12b76a', '#f79009', '#7a5af8', '#ee46bc', '#06aed4', '#66c61c', '#f04438', '#875bf7', '#0e9384', '#667085']
  const SEVERITY_COLOR = { critical: '#d92d20', warning: '#dc6803', info: '#1570ef' }
  const charts = new Map()
  let intervalMs = 5000
  let timer

  const el = (tag, className, text) => {
    const node = document.createElement(tag)
    if (className) node.className = className
    if (text !== undefined) node.textContent = text
    return node
  }

  function number(value, digits = 3) {
    if (value === 0) return '0'
    const abs = Math.abs(value)
    if (abs >= 1e6 || abs < 1e-3) return value.toExponential(2)
    if (abs >= 1000) return Math.round(value).toLocaleString('en-US')
    return String(Number(value.toPrecision(digits)))
  }

  function bytes(value) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
    let v = value
    let i = 0
    while (Math.abs(v) >= 1024 && i < units.length - 1) {
      v /= 1024
      i++
    }
    return `${number(v)} ${units[i]}`
  }

  function seconds(value) {
    const abs = Math.abs(value)
    if (abs === 0) return '0 s'
    if (abs < 1e-3) return `${number(value * 1e6)} µs`
    if (abs < 1) return `${number(value * 1000)} ms`
    return `${number(value)} s`
  }

  /** A value as people read it, by unit; '–' for "no value". */
  function format(value, unit) {
    if (value === null || value === undefined || Number.isNaN(value)) return '–'
    switch (unit) {
      case 'ratio': return `${number(value * 100)} %`
      case 'seconds': return seconds(value)
      case 'bytes': return bytes(value)
      case 'bytesPerSecond': return `${bytes(value)}/s`
      case 'perSecond': return `${number(value)}/s`
      case 'perMinute': return `${number(value)}/min`
      case 'perHour': return `${number(value)}/h`
      default: return number(value)
    }
  }

  function ago(ms) {
    const s = Math.max(0, Math.round((Date.now() - ms) / 1000))
    if (s < 60) return `${s} s ago`
    if (s < 3600) return `${Math.floor(s / 60)} min ago`
    return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min ago`
  }

  function labelsText(labels) {
    const entries = Object.entries(labels || {})
    return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${v}"`).join(', ')}}`
  }

  function renderSummary(alerts) {
    const summary = document.getElementById('summary')
    summary.replaceChildren()
    const firing = alerts.filter((a) => a.state === 'firing')
    const pending = alerts.filter((a) => a.state === 'pending')
    if (firing.length === 0 && pending.length === 0) summary.append(el('span', 'badge ok', 'No alert firing'))
    if (firing.length > 0) summary.append(el('span', 'badge firing', `${firing.length} firing`))
    if (pending.length > 0) summary.append(el('span', 'badge pending', `${pending.length} pending`))
  }

  function alertRow(a) {
    const tr = el('tr', a.state)
    tr.dataset.alert = a.alert
    tr.dataset.severity = a.severity
    tr.dataset.state = a.state
    tr.dataset.labels = labelsText(a.labels)
    const state = el('td')
    state.append(el('span', `badge ${a.state}`, a.state))
    const severity = el('td')
    severity.append(el('span', `badge ${a.severity}`, a.severity))
    const name = el('td', '', a.alert)
    name.title = a.measures
    if (Object.keys(a.labels).length > 0) name.append(el('span', 'labels', labelsText(a.labels)))
    const unit = a.kind === 'ratio' ? 'ratio' : a.kind === 'seconds' ? 'seconds' : 'count'
    const value = el('td', 'num', format(a.value, unit))
    value.dataset.value = a.value === null ? '' : String(a.value)
    const since = el('td', '', a.state === 'firing' ? `firing since ${ago(a.firingAt)}` : a.state === 'pending' ? `above since ${ago(a.activeAt)}` : '')
    const runbook = el('td')
    const link = el('a', '', 'runbook')
    link.href = a.runbook
    link.rel = 'noopener noreferrer'
    link.target = '_blank'
    runbook.append(link)
    tr.append(state, severity, name, value, el('td', 'num', `> ${format(a.threshold, unit)}`), el('td', '', a.for), since, runbook)
    return tr
  }

  function alertTable(rows) {
    const table = el('table')
    const head = el('tr')
    for (const [title, cls] of [['State'], ['Severity'], ['Alert'], ['Value', 'num'], ['Threshold', 'num'], ['For'], ['Since'], ['']]) head.append(el('th', cls || '', title))
    const thead = el('thead')
    thead.append(head)
    const tbody = el('tbody')
    for (const row of rows) tbody.append(alertRow(row))
    table.append(thead, tbody)
    return table
  }

  function renderAlerts(data) {
    const section = document.getElementById('alerts')
    const open = section.querySelector('details')?.open === true
    section.replaceChildren(el('h2', '', `Alerts (evaluated ${data.source === 'prometheus' ? 'by Prometheus' : 'in-process'}, window ${data.window})`))
    const active = data.alerts.filter((a) => a.state !== 'inactive')
    const inactive = data.alerts.filter((a) => a.state === 'inactive')
    if (active.length > 0) section.append(alertTable(active))
    else section.append(el('p', 'hint', 'Every alert is inactive.'))
    const details = el('details', 'inactive-alerts')
    details.open = open
    details.append(el('summary', '', `${inactive.length} inactive`), alertTable(inactive))
    section.append(details)
  }

  function stat(s) {
    const node = el('div', 'stat')
    node.dataset.stat = s.id
    node.dataset.value = s.value === null ? '' : String(s.value)
    node.append(el('span', 'value', format(s.value, s.unit)), el('span', 'label', s.label))
    return node
  }

  function routeTable(table) {
    const box = el('div')
    box.append(el('h3', '', table.title))
    if (table.rows.length === 0) {
      box.append(el('p', 'hint', 'No route to show over this window.'))
      return box
    }
    const t = el('table')
    t.dataset.table = table.id
    const head = el('tr')
    for (const c of table.columns) head.append(el('th', c.unit ? 'num' : '', c.label))
    const thead = el('thead')
    thead.append(head)
    const tbody = el('tbody')
    for (const row of table.rows) {
      const tr = el('tr')
      for (const c of table.columns) tr.append(el('td', c.unit ? 'num' : '', c.unit ? format(row[c.id], c.unit) : String(row[c.id] ?? '')))
      tbody.append(tr)
    }
    t.append(thead, tbody)
    box.append(t)
    return box
  }

  function cssColor(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888'
  }

  /** The y range from the lines alone: a threshold far above the data does not flatten it. */
  function yRange(chart) {
    let max = 0
    for (const line of chart.lines) for (const v of line.values) if (v !== null && v > max) max = v
    if (max === 0) max = chart.unit === 'ratio' ? 0.01 : 1
    if (chart.unit === 'ratio' && max > 0.9) max = Math.max(max, 1)
    for (const t of chart.thresholds) if (t.value <= max * 1.5) max = Math.max(max, t.value)
    return [0, max * 1.1]
  }

  function plotData(t, chart) {
    return [t, ...chart.lines.map((l) => l.values), ...chart.thresholds.map((th) => t.map(() => th.value))]
  }

  function plotOptions(chart, width) {
    const axis = { stroke: cssColor('--muted'), grid: { stroke: cssColor('--grid'), width: 1 }, ticks: { stroke: cssColor('--grid'), width: 1 } }
    return {
      width,
      height: 200,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: () => yRange(charts.get(chart.id).chart) } },
      axes: [axis, { ...axis, size: 70, values: (u, values) => values.map((v) => format(v, chart.unit)) }],
      series: [
        {},
        ...chart.lines.map((line, i) => ({
          label: line.label || chart.title,
          stroke: PALETTE[i % PALETTE.length],
          width: 1.5,
          spanGaps: false,
          points: { show: false },
          value: (u, v) => format(v, chart.unit),
        })),
        ...chart.thresholds.map((th) => ({
          label: `${th.severity} > ${format(th.value, chart.unit)}`,
          stroke: SEVERITY_COLOR[th.severity],
          width: 1,
          dash: [6, 4],
          points: { show: false },
          value: () => format(th.value, chart.unit),
        })),
      ],
    }
  }

  function shapeOf(chart) {
    return JSON.stringify([chart.lines.map((l) => l.label), chart.thresholds])
  }

  function renderChart(container, chart, t) {
    let entry = charts.get(chart.id)
    const shape = shapeOf(chart)
    if (entry === undefined) {
      const box = el('div', 'chart')
      box.dataset.chart = chart.id
      box.append(el('h3', '', chart.title), el('div', 'meta', chart.description || ''), el('div', 'plot'))
      entry = { box, plot: undefined, shape: '', chart }
      charts.set(chart.id, entry)
    }
    container.append(entry.box)
    entry.chart = chart
    const points = chart.lines.reduce((n, l) => n + l.values.filter((v) => v !== null).length, 0)
    entry.box.dataset.lines = String(chart.lines.length)
    entry.box.dataset.points = String(points)
    const area = entry.box.querySelector('.plot')
    if (chart.lines.length === 0) {
      entry.plot?.destroy()
      entry.plot = undefined
      entry.shape = ''
      area.replaceChildren(el('p', 'hint', 'No data yet.'))
      return
    }
    const data = plotData(t, chart)
    if (entry.plot !== undefined && entry.shape === shape) {
      entry.plot.setData(data)
      return
    }
    entry.plot?.destroy()
    area.replaceChildren()
    const width = Math.max(300, area.clientWidth || container.clientWidth || 400)
    entry.plot = new uPlot(plotOptions(chart, width), data, area)
    entry.shape = shape
  }

  function renderGroups(data) {
    const root = document.getElementById('groups')
    for (const group of data.groups) {
      let section = document.querySelector(`section[data-group="${group.id}"]`)
      if (section === null) {
        section = el('section', 'group')
        section.dataset.group = group.id
        section.append(el('h2', '', group.title), el('div', 'body'))
        root.append(section)
      }
      section.classList.toggle('unavailable', !group.available)
      section.dataset.available = String(group.available)
      const body = section.querySelector('.body')
      if (!group.available) {
        for (const chart of group.charts) charts.get(chart.id)?.plot?.destroy()
        body.replaceChildren(el('p', 'hint', `Not collected. ${group.hint || ''}`))
        continue
      }
      const statsBox = el('div', 'stats')
      for (const s of group.stats) statsBox.append(stat(s))
      let chartsBox = body.querySelector(':scope > .charts')
      if (chartsBox === null) chartsBox = el('div', 'charts')
      const tablesBox = el('div', 'tables')
      for (const table of group.tables) tablesBox.append(routeTable(table))
      body.replaceChildren(statsBox, chartsBox, ...(group.tables.length > 0 ? [tablesBox] : []))
      const keep = new Set(group.charts.map((c) => c.id))
      for (const node of [...chartsBox.children]) if (!keep.has(node.dataset.chart)) node.remove()
      for (const chart of group.charts) renderChart(chartsBox, chart, data.t)
    }
  }

  function setStatus(ok, text) {
    const node = document.getElementById('updated')
    node.textContent = text
    node.classList.toggle('error', !ok)
  }

  function render(data) {
    intervalMs = Math.max(200, data.intervalMs || 5000)
    renderSummary(data.alerts)
    renderAlerts(data)
    renderGroups(data)
    document.body.dataset.updated = String(data.now)
    const source = data.source === 'prometheus' ? 'from Prometheus' : 'sampled in-process'
    if (data.error) setStatus(false, data.error)
    else setStatus(true, `Updated ${new Date(data.now).toLocaleTimeString()} · ${source} every ${intervalMs / 1000} s`)
  }

  async function refresh() {
    clearTimeout(timer)
    try {
      const response = await fetch(dataUrl, { headers: { accept: 'application/json' }, cache: 'no-store', credentials: 'same-origin' })
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      render(await response.json())
    } catch (error) {
      setStatus(false, `Cannot load ${dataUrl}: ${error instanceof Error ? error.message : String(error)}`)
    }
    if (!document.hidden) timer = setTimeout(refresh, intervalMs)
  }

  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void refresh()
  })
  let resizing
  window.addEventListener('resize', () => {
    clearTimeout(resizing)
    resizing = setTimeout(() => {
      for (const entry of charts.values()) {
        const area = entry.box.querySelector('.plot')
        if (entry.plot && area.clientWidth > 0) entry.plot.setSize({ width: area.clientWidth, height: 200 })
      }
    }, 150)
  })
  void refresh()
})()
