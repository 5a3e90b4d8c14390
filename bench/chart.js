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
  const width = LEFT + scenarios.length * groupWidth + 20
  const height = TOP + placements.length * (PANEL + 60) + 10

  let top = 1.0
  for (const r of rows) top = Math.max(top, r.ratio || 0, ...(r.targets || []).map((t) => t.target || 0))
  const step = top > 8 ? 2 : top > 4 ? 1 : 0.5
  top = Math.ceil((top * 1.08) / step) * step

  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="18" font-size="14" font-weight="bold">Ratio to published bare-tcp (upstream = 1; higher is better)</text>`
  ]
  impls.forEach((impl, i) => {
    const x = LEFT + i * 90
    out.push(`<rect x="${x}" y="26" width="10" height="10" fill="${COLORS[impl] || '#999'}"/>`)
    out.push(`<text x="${x + 14}" y="35">${esc(impl)}</text>`)
  })
  out.push(`<text x="${LEFT + impls.length * 90}" y="35">— target (bare-tcp, pinned)</text>`)

  placements.forEach((placement, p) => {
    const y0 = TOP + 20 + p * (PANEL + 60)
    const y = (v) => y0 + PANEL - (v / top) * PANEL
    out.push(`<text x="${LEFT}" y="${y0 - 6}" font-weight="bold">${esc(placement)}</text>`)
    for (let v = 0; v <= top + 1e-9; v += step) {
      out.push(`<line x1="${LEFT}" x2="${width - 20}" y1="${y(v)}" y2="${y(v)}" stroke="${v === 1 ? '#000' : '#ddd'}" ${v === 1 ? 'stroke-dasharray="4 3"' : ''}/>`)
      out.push(`<text x="${LEFT - 6}" y="${y(v) + 4}" text-anchor="end">${v}x</text>`)
    }
    scenarios.forEach((scenario, s) => {
      const gx = LEFT + 12 + s * groupWidth
      out.push(`<text x="${gx + (impls.length * BAR) / 2}" y="${y0 + PANEL + 16}" text-anchor="middle">${esc(scenario)}</text>`)
      impls.forEach((impl, i) => {
        const r = rows.find((x) => x.scenario === scenario && x.placement === placement && x.impl === impl)
        const x = gx + i * BAR
        if (!r || r.ratio === undefined) {
          out.push(`<text x="${x + BAR / 2}" y="${y(0) - 4}" text-anchor="middle" fill="#c53030">✕</text>`)
          return
        }
        const h = y(0) - y(r.ratio)
        out.push(`<rect x="${x + 2}" y="${y(r.ratio)}" width="${BAR - 4}" height="${h}" fill="${COLORS[impl] || '#999'}"><title>${esc(impl + ' ' + scenario + ': ' + r.ratio.toFixed(2) + 'x')}</title></rect>`)
        out.push(`<text x="${x + BAR / 2}" y="${y(r.ratio) - 3}" text-anchor="middle" font-size="9">${r.ratio.toFixed(2)}</text>`)
        for (const t of r.targets || []) {
          if (t.target) out.push(`<line x1="${x - 2}" x2="${x + BAR + 2}" y1="${y(t.target)}" y2="${y(t.target)}" stroke="#c53030" stroke-width="2"/>`)
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
