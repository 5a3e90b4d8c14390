// SVG bar chart of each implementation's ratio to upstream, one panel per
// placement; hand-written SVG so the suite needs no packages.
// Usage: node bench/chart.js results.json out.svg (bench/harness.js also calls it).

const fs = require('fs')

const COLORS = { 'bare-tcp': '#2b6cb0', node: '#38a169', c: '#718096' }
const BAR = 22
const GAP = 34
const PANEL = 250
const LEFT = 56
const TOP = 40

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function render(data) {
  const rows = data.rows.filter((r) => r.impl !== 'upstream')
  const scenarios = [...new Set(rows.map((r) => r.scenario))]
  const placements = [...new Set(rows.map((r) => r.placement))]
  const impls = [...new Set(rows.map((r) => r.impl))]
  const groupWidth = impls.length * BAR + GAP
  const width = Math.max(620, LEFT + scenarios.length * groupWidth + 20)
  const height = TOP + placements.length * (PANEL + 60) + 10

  // Log scale, bars growing from the 1x line: up is better than upstream,
  // down is worse, and a 100x ceiling fits beside a 1.2x gain.
  let lo = 1
  let hi = 1
  for (const r of rows) {
    for (const v of [r.ratio, ...(r.targets || []).map((t) => t.target)]) {
      if (v > 0) {
        lo = Math.min(lo, v)
        hi = Math.max(hi, v)
      }
    }
  }
  const minExp = Math.floor(Math.log2(lo)) - (Number.isInteger(Math.log2(lo)) ? 1 : 0)
  const maxExp = Math.ceil(Math.log2(hi * 1.15))
  const ticks = []
  for (let e = minExp; e <= maxExp; e++) ticks.push(2 ** e)

  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="18" font-size="14" font-weight="bold">Ratio to published bare-tcp (log scale; upstream = 1; higher is better)</text>`
  ]
  impls.forEach((impl, i) => {
    const x = LEFT + i * 90
    out.push(`<rect x="${x}" y="26" width="10" height="10" fill="${COLORS[impl] || '#999'}"/>`)
    out.push(`<text x="${x + 14}" y="35">${esc(impl)}</text>`)
  })
  const tx = LEFT + impls.length * 90
  out.push(`<line x1="${tx}" x2="${tx + 14}" y1="31" y2="31" stroke="#c53030" stroke-width="2"/>`)
  out.push(`<text x="${tx + 18}" y="35">target (bare-tcp, pinned)</text>`)

  placements.forEach((placement, p) => {
    const y0 = TOP + 20 + p * (PANEL + 60)
    const y = (v) => y0 + PANEL - ((Math.log2(v) - minExp) / (maxExp - minExp)) * PANEL
    out.push(`<text x="${LEFT}" y="${y0 - 6}" font-weight="bold">${esc(placement)}</text>`)
    for (const v of ticks) {
      out.push(
        `<line x1="${LEFT}" x2="${width - 20}" y1="${y(v)}" y2="${y(v)}" stroke="${v === 1 ? '#000' : '#ddd'}" ${v === 1 ? 'stroke-dasharray="4 3"' : ''}/>`
      )
      out.push(`<text x="${LEFT - 6}" y="${y(v) + 4}" text-anchor="end">${v}x</text>`)
    }
    scenarios.forEach((scenario, s) => {
      const gx = LEFT + 12 + s * groupWidth
      out.push(
        `<text x="${gx + (impls.length * BAR) / 2}" y="${y0 + PANEL + 16}" text-anchor="middle">${esc(scenario)}</text>`
      )
      impls.forEach((impl, i) => {
        const r = rows.find(
          (x) => x.scenario === scenario && x.placement === placement && x.impl === impl
        )
        const x = gx + i * BAR
        if (!r || r.ratio === undefined) {
          out.push(
            `<text x="${x + BAR / 2}" y="${y(1) - 4}" text-anchor="middle" fill="#c53030">✕</text>`
          )
          return
        }
        const top = Math.min(y(1), y(r.ratio))
        const h = Math.max(1, Math.abs(y(1) - y(r.ratio)))
        const labelY = r.ratio >= 1 ? top - 3 : top + h + 10
        out.push(
          `<rect x="${x + 2}" y="${top}" width="${BAR - 4}" height="${h}" fill="${COLORS[impl] || '#999'}"><title>${esc(impl + ' ' + scenario + ': ' + r.ratio.toFixed(2) + 'x')}</title></rect>`
        )
        out.push(
          `<text x="${x + BAR / 2}" y="${labelY}" text-anchor="middle" font-size="9">${r.ratio.toFixed(2)}</text>`
        )
        for (const t of r.targets || []) {
          if (t.target)
            out.push(
              `<line x1="${x - 2}" x2="${x + BAR + 2}" y1="${y(t.target)}" y2="${y(t.target)}" stroke="#c53030" stroke-width="2"/>`
            )
        }
      })
    })
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}

function writeChart(data, file) {
  fs.writeFileSync(file, render(data))
}

module.exports = { render, writeChart }

if (require.main === module) {
  const [input, output] = process.argv.slice(2)
  if (!input || !output) {
    console.error('usage: node bench/chart.js results.json out.svg')
    process.exit(2)
  }
  writeChart(JSON.parse(fs.readFileSync(input, 'utf8')), output)
}
