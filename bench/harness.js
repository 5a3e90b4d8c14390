#!/usr/bin/env node
// Runs every scenario against every implementation, server and client in
// separate processes, and reports medians, spreads and ratios to upstream.
// Started by bench/run, which installs the tools and builds the C ceiling.
// Flags: see usage() below or bench/README.md.

const { spawn, execFileSync } = require('child_process')
const fs = require('fs')
const net = require('net')
const os = require('os')
const path = require('path')
const { writeChart } = require('./chart.js')

const BENCH = __dirname
const ROOT = path.dirname(BENCH)
const BARE = bareBinary()
const BARE_MAIN = path.join(BENCH, 'impl', 'bare', 'main.js')
const NODE_MAIN = path.join(BENCH, 'impl', 'node', 'main.js')
const UVBENCH = path.join(BENCH, 'build', 'uvbench')
const MiB = 1024 * 1024

const SIZES = {
  full: {
    runs: 5,
    bulk: 1024 * MiB,
    pipelined: 1e6,
    duration: 2000,
    warmup: 500,
    idle: 10000,
    http: 3,
    slack: 20000
  },
  quick: {
    runs: 3,
    bulk: 64 * MiB,
    pipelined: 3e5,
    duration: 200,
    warmup: 80,
    idle: 1000,
    http: 1,
    slack: 6000
  }
}

// Pinned-placement targets for bare-tcp: ratio to upstream, plus "at least as
// fast as Node.js" for every throughput scenario.
const TARGETS = {
  bulk: 1.5,
  'ping-pong': 1.6,
  'echo-many': 1.5,
  pipelined: 2,
  'conn-rate': 1.6,
  http: 1.25
}
const IDLE_TARGET = 6000 // bytes per connection, server + client ("6 KB", read strictly)

// node_modules/.bin/bare is a Node.js launcher that spawns the real binary;
// run the binary itself, so that RSS, start-up and kill all hit bare.
function bareBinary() {
  try {
    return require(path.join(ROOT, 'node_modules', 'bare-runtime'))()
  } catch {
    return path.join(ROOT, 'node_modules', '.bin', 'bare')
  }
}

function usage() {
  return `usage: bash bench/run [--quick] [--runs=N] [--only=IMPL,...] [--scenarios=NAME,...]
                      [--placements=pinned,unpinned] [--ours=PATH] [--upstream=PATH]
  implementations: bare-tcp (the module at --ours, default the repo root),
                   upstream (--upstream, default node_modules/upstream-tcp), node, c
  scenarios: ${scenarioList()
    .map((s) => s.name)
    .join(', ')}
  A run with no flag writes bench/RESULTS.md, results.json and results.svg;
  any other run writes them under bench/build/.`
}

function parseFlags(argv) {
  const flags = { quick: false }
  for (const arg of argv) {
    const [key, value] = arg.replace(/^--/, '').split(/=(.*)/s)
    if (key === 'quick') flags.quick = true
    else if (key === 'help' || key === 'h') {
      console.log(usage())
      process.exit(0)
    } else if (
      ['runs', 'only', 'scenarios', 'placements', 'ours', 'upstream'].includes(key) &&
      value
    ) {
      flags[key] = value
    } else {
      console.error('bench: unknown flag ' + arg + '\n' + usage())
      process.exit(2)
    }
  }
  return flags
}

function implementations(flags) {
  return [
    { name: 'bare-tcp', kind: 'bare', module: path.resolve(flags.ours || ROOT) },
    {
      name: 'upstream',
      kind: 'bare',
      module: path.resolve(flags.upstream || path.join(ROOT, 'node_modules', 'upstream-tcp'))
    },
    { name: 'node', kind: 'node' },
    { name: 'c', kind: 'c' }
  ]
}

function command(impl, args) {
  if (impl.kind === 'bare') return [BARE, [BARE_MAIN, impl.module, ...args]]
  if (impl.kind === 'node') return [process.execPath, [NODE_MAIN, ...args]]
  return [UVBENCH, args]
}

function kv(opts) {
  return Object.entries(opts).map(([k, v]) => k + '=' + v)
}

// ---- processes ----

const live = new Set()

function start([file, args], pinned) {
  const [cmd, argv] = pinned ? ['taskset', ['-c', '0', file, ...args]] : [file, args]
  // Its own process group, so a kill also reaches anything it spawned.
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  live.add(child)
  child.lines = []
  child.stderrText = ''
  child.closed = false
  let pending = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk) => {
    pending += chunk
    let nl
    while ((nl = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, nl)
      pending = pending.slice(nl + 1)
      child.lines.push(line)
      child.emit('line', line)
    }
  })
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk) => {
    if (child.stderrText.length < 8000) child.stderrText += chunk
  })
  const closed = () => {
    if (child.closed) return
    child.closed = true
    live.delete(child)
    child.emit('gone')
  }
  child.on('close', closed)
  child.on('error', (err) => {
    child.stderrText += err.message + '\n'
    closed()
  })
  return child
}

function why(child) {
  const lines = child.stderrText
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  const line = lines.find((l) => /error|fail|cannot|not found|abort/i.test(l)) || lines[0] || ''
  const status = child.signalCode ? 'signal ' + child.signalCode : 'code ' + child.exitCode
  return (status + (line ? ': ' + line : '')).slice(0, 200)
}

// Resolves with the first stdout line starting with `prefix`; rejects when
// the process ends first or after `ms`.
function waitLine(child, prefix, ms, what) {
  return new Promise((resolve, reject) => {
    const found = child.lines.find((l) => l.startsWith(prefix))
    if (found) return resolve(found)
    if (child.closed) return reject(new Error(what + ' exited (' + why(child) + ')'))
    const timer = setTimeout(
      () => done(new Error(what + ': no ' + prefix.trim() + ' within ' + ms / 1000 + ' s')),
      ms
    )
    const onLine = (line) => line.startsWith(prefix) && done(null, line)
    const onGone = () => done(new Error(what + ' exited (' + why(child) + ')'))
    function done(err, line) {
      clearTimeout(timer)
      child.off('line', onLine)
      child.off('gone', onGone)
      if (err) reject(err)
      else resolve(line)
    }
    child.on('line', onLine)
    child.on('gone', onGone)
  })
}

function waitExit(child, ms, what) {
  return new Promise((resolve, reject) => {
    if (child.closed) return resolve()
    const timer = setTimeout(
      () => reject(new Error(what + ': still running after ' + ms / 1000 + ' s')),
      ms
    )
    child.once('gone', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

// Rejects when a process that must outlive the measurement exits: a server,
// or an idle client (idle clients never finish by themselves).
function guard(child, what = 'server') {
  return new Promise((resolve, reject) => {
    const fail = () => reject(new Error(what + ' exited (' + why(child) + ')'))
    if (child.closed) return fail()
    child.once('gone', fail)
  })
}

function kill(child) {
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {}
}

async function stop(child) {
  if (!child.closed) kill(child)
  await waitExit(child, 5000, 'kill').catch(() => {})
}

function killAll() {
  for (const child of live) kill(child)
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function rss(pid) {
  const status = fs.readFileSync('/proc/' + pid + '/status', 'utf8')
  const m = /VmRSS:\s+(\d+) kB/.exec(status)
  if (!m) throw new Error('no VmRSS for ' + pid)
  return Number(m[1]) * 1024
}

// ---- scenarios ----

function scenarioList(size = SIZES.full) {
  const timed = { duration: size.duration, warmup: size.warmup }
  const rate = (r) => (r.ops * 1000) / r.ms
  const timedLimit = size.warmup + size.duration + size.slack
  return [
    {
      name: 'bulk',
      unit: 'MiB/s',
      server: ['sink', { total: size.bulk }],
      client: ['stream', { total: size.bulk, write: 65536 }],
      value: (r) => r.bytes / MiB / (r.ms / 1000),
      limit: size.slack + (size.bulk / (20 * MiB)) * 1000 // fails below ~20 MiB/s
    },
    {
      name: 'ping-pong',
      unit: 'round trips/s',
      server: ['echo', {}],
      client: ['pingpong', { count: 1, ...timed }],
      value: rate,
      limit: timedLimit
    },
    {
      name: 'echo-many',
      unit: 'messages/s',
      server: ['echo', {}],
      client: ['pingpong', { count: 64, ...timed }],
      value: rate,
      limit: timedLimit
    },
    {
      name: 'pipelined',
      unit: 'messages/s',
      server: ['sink', { total: size.pipelined * 64 }],
      client: ['stream', { total: size.pipelined * 64, write: 64 }],
      value: rate,
      limit: size.slack + (size.pipelined / 50000) * 1000 // fails below 50,000 writes/s
    },
    {
      name: 'conn-rate',
      unit: 'connections/s',
      server: ['conn', {}],
      client: ['connrate', { inflight: 16, ...timed }],
      value: rate,
      limit: timedLimit
    },
    {
      name: 'idle-memory',
      unit: 'bytes/conn',
      lower: true,
      server: ['idle', { count: size.idle }],
      measure: measureIdle,
      limit: size.slack + size.idle * 2
    },
    {
      name: 'http',
      unit: 'requests/s',
      server: ['http', {}],
      measure: measureHttp,
      limit: size.http * 1000 + size.slack
    }
  ]
}

async function measureClient(sc, ctx) {
  const [mode, opts] = sc.client
  const client = start(
    command(ctx.impl, ['client', mode, String(ctx.port), ...kv(opts)]),
    ctx.pinned
  )
  try {
    const line = await Promise.race([
      waitLine(client, 'RESULT ', sc.limit, 'client'),
      guard(ctx.server)
    ])
    return { value: sc.value(JSON.parse(line.slice(7))) }
  } finally {
    await stop(client)
  }
}

// Base RSS is read once each process has loaded everything it needs: the
// server after READY, the client when it reaches the gate, a listener here
// that holds it back until its RSS has been read.
async function measureIdle(sc, ctx) {
  const n = ctx.size.idle
  const serverBase = rss(ctx.server.pid)
  let client = null
  let clientBase = 0
  const gate = net.createServer((socket) => {
    socket.on('error', () => {})
    if (!client || clientBase) return
    try {
      clientBase = rss(client.pid)
      socket.write('g')
    } catch {} // the client is gone; guard(client) below reports it
  })
  await new Promise((resolve) => gate.listen(0, '127.0.0.1', resolve))
  try {
    const args = ['client', 'idle', String(ctx.port), 'count=' + n, 'gate=' + gate.address().port]
    client = start(command(ctx.impl, args), ctx.pinned)
    const clientDone = waitLine(client, 'CONNECTED ', sc.limit, 'client')
    const serverDone = waitLine(ctx.server, 'ACCEPTED ', sc.limit, 'server')
    await Promise.race([
      Promise.all([clientDone, serverDone]),
      guard(ctx.server),
      guard(client, 'client')
    ])
    await sleep(200) // let work queued by the last connections finish
    const server = (rss(ctx.server.pid) - serverBase) / n
    const cli = (rss(client.pid) - clientBase) / n
    return { value: server + cli, detail: { server, client: cli } }
  } finally {
    if (client) await stop(client)
    gate.close()
  }
}

async function measureHttp(sc, ctx) {
  const url = 'http://127.0.0.1:' + ctx.port + '/'
  const wrk = start(
    ['wrk', ['-t1', '-c64', '-d' + ctx.size.http + 's', '--timeout', '5s', url]],
    ctx.pinned
  )
  try {
    await Promise.race([waitExit(wrk, sc.limit, 'wrk'), guard(ctx.server)])
    const out = wrk.lines.join('\n')
    const rps = /Requests\/sec:\s+([\d.]+)/.exec(out)
    if (wrk.exitCode !== 0 || !rps) throw new Error('wrk failed (' + why(wrk) + ')')
    const bad = /Non-2xx or 3xx responses: (\d+)/.exec(out)
    if (bad) throw new Error('wrk: ' + bad[1] + ' non-2xx responses')
    const errors = /Socket errors: (.*)/.exec(out)
    if (errors && /[1-9]/.test(errors[1])) throw new Error('wrk socket errors: ' + errors[1])
    return { value: Number(rps[1]) }
  } finally {
    await stop(wrk)
  }
}

async function runOnce(sc, impl, pinned, size) {
  const [mode, opts] = sc.server
  const server = start(command(impl, ['server', mode, '0', ...kv(opts)]), pinned)
  try {
    const ready = await waitLine(server, 'READY ', size.slack, 'server')
    const ctx = { impl, pinned, size, server, port: Number(ready.split(' ')[1]) }
    return await (sc.measure || measureClient)(sc, ctx)
  } finally {
    await stop(server)
  }
}

async function check(impl) {
  if (impl.kind === 'c' && !fs.existsSync(UVBENCH))
    return 'bench/build/uvbench is missing (run bench/run)'
  if (impl.kind === 'c') return null
  if (impl.kind === 'bare' && !fs.existsSync(BARE)) return 'node_modules/.bin/bare is missing'
  const child = start(command(impl, ['check']), false)
  try {
    await waitLine(child, 'OK', 15000, 'check')
    return null
  } catch (err) {
    return err.message
  } finally {
    await stop(child)
  }
}

// ---- statistics and report ----

function median(sorted) {
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

function summarise(results, scenarios, impls, placements) {
  const rows = []
  for (const sc of scenarios) {
    for (const placement of placements) {
      const group = impls.map((impl) => {
        const r = results.get(key(sc.name, placement, impl.name))
        const row = {
          scenario: sc.name,
          unit: sc.unit,
          lower: !!sc.lower,
          placement,
          impl: impl.name,
          values: r.values,
          failure: r.failure
        }
        if (r.values.length) {
          const sorted = [...r.values].sort((a, b) => a - b)
          Object.assign(row, {
            median: median(sorted),
            min: sorted[0],
            max: sorted[sorted.length - 1]
          })
        }
        if (r.details.length) {
          row.detail = {}
          for (const part of Object.keys(r.details[0]))
            row.detail[part] = median(r.details.map((d) => d[part]).sort((a, b) => a - b))
        }
        return row
      })
      const up = group.find((r) => r.impl === 'upstream')
      const node = group.find((r) => r.impl === 'node')
      for (const row of group) {
        if (row.median !== undefined && up && up.median)
          row.ratio = row.lower ? up.median / row.median : row.median / up.median
        if (row.impl === 'bare-tcp' && placement === 'pinned')
          row.targets = targets(sc, row, node, up)
      }
      rows.push(...group)
    }
  }
  return rows
}

function targets(sc, row, node, up) {
  const out = []
  const ok = (pass) => (row.median === undefined ? 'FAIL' : pass ? 'PASS' : 'MISS')
  if (sc.name === 'idle-memory') {
    // As a ratio too, so the chart can mark it beside the others.
    const target = up && up.median ? up.median / IDLE_TARGET : undefined
    out.push({ label: '<= ' + IDLE_TARGET + ' B', target, result: ok(row.median <= IDLE_TARGET) })
    out.push({
      label: '<= node',
      result: node && node.median !== undefined ? ok(row.median <= node.median) : 'n/a'
    })
  } else {
    const t = TARGETS[sc.name]
    if (t)
      out.push({
        label: '>= ' + t + 'x',
        target: t,
        result: ok(row.ratio !== undefined && row.ratio >= t)
      })
    out.push({
      label: '>= node',
      result: node && node.median !== undefined ? ok(row.median >= node.median) : 'n/a'
    })
  }
  return out
}

function fmt(v) {
  if (v === undefined) return '-'
  if (v >= 100) return Math.round(v).toLocaleString('en-US')
  return v.toFixed(v >= 10 ? 1 : 2)
}

// Failure reasons go in numbered notes under the table, each stated once.
function table(rows) {
  const notes = []
  const lines = [
    '| scenario | placement | implementation | median | spread (min–max) | × upstream | targets (pinned, bare-tcp) |',
    '| --- | --- | --- | ---: | ---: | ---: | --- |'
  ]
  for (const r of rows) {
    let median = fmt(r.median)
    if (r.detail)
      median += ' (server ' + fmt(r.detail.server) + ' + client ' + fmt(r.detail.client) + ')'
    if (r.failure) {
      const reason = r.impl + ': ' + r.failure.replace(/\|/g, '/')
      if (!notes.includes(reason)) notes.push(reason)
      median =
        (r.median === undefined ? '' : median + ' ') +
        'FAILED [' +
        (notes.indexOf(reason) + 1) +
        ']'
    }
    const spread =
      r.median === undefined ? '-' : fmt(r.min) + '–' + fmt(r.max) + ' (n=' + r.values.length + ')'
    const ratio = r.ratio === undefined ? '-' : r.ratio.toFixed(2) + 'x'
    const t = (r.targets || []).map((x) => x.label + ' ' + x.result).join(', ')
    lines.push(
      `| ${r.scenario} (${r.unit}) | ${r.placement} | ${r.impl} | ${median} | ${spread} | ${ratio} | ${t} |`
    )
  }
  if (notes.length) lines.push('', ...notes.map((n, i) => `[${i + 1}] ${n}  `))
  return lines.join('\n')
}

function versions() {
  const run = (file, args) => {
    try {
      return execFileSync(file, args, {
        encoding: 'utf8',
        timeout: 10000,
        stdio: ['ignore', 'pipe', 'ignore']
      }).trim()
    } catch {
      return 'unavailable'
    }
  }
  const bare = run(BARE, ['-e', 'console.log(JSON.stringify(Bare.versions))'])
  let bareUv = 'unknown'
  try {
    bareUv = JSON.parse(bare).uv
  } catch {}
  const cpu =
    (/model name\s*:\s*(.*)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8')) || [])[1] || 'unknown'
  return {
    date: new Date().toISOString(),
    nproc: run('nproc', []),
    cpu,
    kernel: os.release(),
    bare: run(BARE, ['--version']),
    node: process.version,
    libuv: { c: run(UVBENCH, ['version']), bare: bareUv, node: process.versions.uv }
  }
}

function describe(impls) {
  const git = (args) => {
    try {
      return execFileSync('git', ['-C', ROOT, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore']
      }).trim()
    } catch {
      return ''
    }
  }
  const commit = git(['rev-parse', '--short', 'HEAD'])
  const dirty = git(['status', '--porcelain', '--untracked-files=no'])
    ? ', uncommitted changes'
    : ''
  return impls
    .filter((i) => i.module)
    .map((i) => {
      let version = '?'
      try {
        version = JSON.parse(fs.readFileSync(path.join(i.module, 'package.json'), 'utf8')).version
      } catch {}
      const where =
        i.module === ROOT
          ? 'this repository' + (commit ? ' at ' + commit + dirty : '')
          : path.relative(ROOT, i.module) || i.module
      return i.name + ' = ' + where + ' (version ' + version + ')'
    })
    .join('; ')
}

function markdown(meta, config, rows, elapsed) {
  return `# bare-tcp benchmark results

Generated by \`npm run bench\` (bench/run); see bench/README.md for what each
scenario measures and how to read the ratios.

- Date: ${meta.date}
- Machine: ${meta.nproc} CPUs (\`nproc\`), ${meta.cpu}, kernel ${meta.kernel}
- Modules: ${meta.modules}
- Runtimes: bare ${meta.bare}, node ${meta.node}; libuv ${meta.libuv.c} (C ceiling, Debian), ${meta.libuv.bare} (in bare), ${meta.libuv.node} (in node)
- Runs: ${config.runs} per scenario, placement and implementation, implementations alternating; medians with min–max over the runs
- Sizes: bulk ${config.bulk / MiB} MiB in 64 KiB writes; pipelined ${config.pipelined.toLocaleString('en-US')} x 64 B writes; timed scenarios ${config.warmup} ms warm-up + ${config.duration} ms; idle memory ${config.idle.toLocaleString('en-US')} connections; HTTP wrk -t1 -c64 -d${config.http}s
- Placement: pinned = server and client both on CPU 0 (\`taskset -c 0\`); unpinned = left to the scheduler
- Wall time: ${Math.round(elapsed / 1000)} s
${config.idleNote ? '- Note: ' + config.idleNote + '\n' : ''}
"× upstream" is the ratio to the published bare-tcp measured in the same run;
above 1 is better for every scenario (for idle memory it is upstream's bytes
divided by this implementation's).

${table(rows)}

![ratios to upstream](results.svg)
`
}

// 10,000 idle connections need that many descriptors in each process and as
// many free ephemeral ports; when either is short, measure with fewer.
function idleCount(wanted) {
  const limits = fs.readFileSync('/proc/self/limits', 'utf8')
  const fds = Number((/Max open files\s+(\d+)/.exec(limits) || [])[1]) || 1024
  const range = fs
    .readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number)
  const ports = range[1] - range[0] + 1
  const n = Math.min(wanted, fds - 100, ports - 1000)
  if (n >= wanted) return { n: wanted, note: null }
  const note = `idle memory uses ${n} connections, not ${wanted}: ${fds - 100 < ports - 1000 ? 'open-file limit ' + fds + ' (ulimit -n)' : 'ephemeral port range ' + range.join('-')}`
  return { n, note }
}

function key(...parts) {
  return parts.join('\0')
}

// ---- main ----

async function main() {
  const flags = parseFlags(process.argv.slice(2))
  const size = { ...(flags.quick ? SIZES.quick : SIZES.full) }
  if (flags.runs) size.runs = Math.max(1, Number(flags.runs))
  const idle = idleCount(size.idle)
  size.idle = idle.n
  size.idleNote = idle.note
  if (idle.note) console.error('bench: ' + idle.note)
  const pick = (list, filter) =>
    filter ? list.filter((x) => filter.split(',').includes(x.name || x)) : list
  const impls = pick(implementations(flags), flags.only)
  const scenarios = pick(scenarioList(size), flags.scenarios)
  const placements = pick(['pinned', 'unpinned'], flags.placements)
  // Only the plain full run, on the default modules, is the recorded one.
  const official = ['quick', 'only', 'scenarios', 'placements', 'runs', 'ours', 'upstream'].every(
    (f) => !flags[f]
  )
  const began = Date.now()

  const results = new Map()
  for (const sc of scenarios)
    for (const p of placements)
      for (const i of impls)
        results.set(key(sc.name, p, i.name), { values: [], details: [], failure: null })

  for (const impl of impls) {
    const failure = await check(impl)
    if (!failure) continue
    console.error('bench: ' + impl.name + ' cannot run, skipping it: ' + failure)
    for (const sc of scenarios)
      for (const p of placements)
        results.get(key(sc.name, p, impl.name)).failure = 'check: ' + failure
  }

  const total = scenarios.length * placements.length * size.runs * impls.length
  let done = 0
  for (const sc of scenarios) {
    const timedOut = new Set()
    for (const placement of placements) {
      for (let run = 0; run < size.runs; run++) {
        // Rotating the order spreads drift (thermal, page cache) over all implementations.
        const order = impls.map((_, i) => impls[(i + run) % impls.length])
        for (const impl of order) {
          done++
          const r = results.get(key(sc.name, placement, impl.name))
          if (r.failure) continue
          if (timedOut.has(impl.name)) {
            r.failure = 'skipped: timed out in an earlier placement'
            continue
          }
          const label = `[${String(done).padStart(3)}/${total}] ${sc.name} ${placement} ${impl.name} #${run + 1}`
          try {
            const out = await runOnce(sc, impl, placement === 'pinned', size)
            r.values.push(out.value)
            if (out.detail) r.details.push(out.detail)
            console.error(`${label}: ${fmt(out.value)} ${sc.unit}`)
          } catch (err) {
            r.failure = `run ${run + 1}: ${err.message}`
            if (/within|still running/.test(err.message)) timedOut.add(impl.name)
            console.error(`${label}: FAILED ${err.message}`)
          }
        }
      }
    }
  }

  const elapsed = Date.now() - began
  const rows = summarise(results, scenarios, impls, placements)
  const meta = { ...versions(), modules: describe(impls) }
  const outDir = official ? BENCH : path.join(BENCH, 'build')
  const suffix = official ? '' : '-' + (flags.quick ? 'quick' : 'partial')
  fs.mkdirSync(outDir, { recursive: true })
  const data = { meta, config: size, elapsed, rows }
  fs.writeFileSync(
    path.join(outDir, 'results' + suffix + '.json'),
    JSON.stringify(data, null, 2) + '\n'
  )
  writeChart(data, path.join(outDir, 'results' + suffix + '.svg'))
  const md = markdown(meta, size, rows, elapsed).replace(
    '(results.svg)',
    '(results' + suffix + '.svg)'
  )
  fs.writeFileSync(path.join(outDir, (official ? 'RESULTS' : 'RESULTS' + suffix) + '.md'), md)

  console.log(table(rows))
  console.log(
    `\nbench: ${Math.round(elapsed / 1000)} s; report in ${path.relative(ROOT, outDir) || '.'}/${official ? 'RESULTS' : 'RESULTS' + suffix}.md`
  )
}

process.on('SIGINT', () => {
  killAll()
  process.exit(130)
})
process.on('SIGTERM', () => {
  killAll()
  process.exit(143)
})
process.on('exit', killAll)

main().catch((err) => {
  console.error(err)
  killAll()
  process.exit(1)
})
