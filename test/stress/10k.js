// 10,000 concurrent connections over loopback: all opened (in waves, so
// that the listen backlog is not the thing under test) and held open at
// once, each exchanging a message of its own that is checked byte for byte,
// then all closed. Both processes must then exit by themselves: no
// Bare.exit(), so a handle left open shows up as a hang, which the caller
// bounds with a timeout.
//
// The server runs in a child process of its own (this file, mode
// 'server'): each side needs a little over 10,000 descriptors, and the
// hard limit on these machines is 20,000 per process.
//
//   bash -c 'ulimit -n 20000 && exec bare test/stress/10k.js [count]'
//
// Prints RESULT <json> for each side; exits 1 if anything was off.

const tcp = require('../..')
const { spawn } = require('bare-subprocess')
const { report, openDescriptors } = require('../fixtures/support')

const MODE = Bare.argv[2] === 'server' ? 'server' : 'client'
const COUNT = Number(MODE === 'server' ? Bare.argv[3] : Bare.argv[2]) || 10000
const WAVE = 500

const stats = {
  count: COUNT,
  connected: 0,
  verified: 0,
  mismatched: 0,
  clientErrors: {},
  serverErrors: {},
  clientClosed: 0,
  serverAccepted: 0,
  serverClosed: 0,
  peakOpen: 0,
  descriptorsBefore: 0,
  descriptorsAfter: 0
}

function count(table, err) {
  const code = (err && err.code) || 'NO_CODE'
  table[code] = (table[code] || 0) + 1
}

function message(i) {
  // Unique per connection and long enough to span two reads sometimes.
  return Buffer.from(`#${i}:` + String((i * 2654435761) >>> 0).repeat(1 + (i % 40)) + '\n')
}

// The server side: echo, count, and close once every connection closed.
function serve() {
  const server = tcp.createServer({ allowHalfOpen: false }, (socket) => {
    stats.serverAccepted++
    stats.peakOpen = Math.max(stats.peakOpen, server.connections.size)
    socket.on('error', (err) => count(stats.serverErrors, err))
    socket.on('close', () => {
      stats.serverClosed++
      if (stats.serverClosed === COUNT) {
        server.close(() => {
          stats.descriptorsAfter = openDescriptors()
          stats.ok =
            stats.serverAccepted === COUNT &&
            stats.peakOpen === COUNT &&
            Object.keys(stats.serverErrors).length === 0
          report(stats)
          if (!stats.ok) Bare.exitCode = 1
        })
      }
    })
    socket.pipe(socket)
  })

  server.on('error', (err) => count(stats.serverErrors, err))
  server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => {
    stats.descriptorsBefore = openDescriptors()
    console.log('PORT ' + server.address().port)
  })
}

let port = 0

const clients = []

function open(i) {
  return new Promise((resolve) => {
    const expected = message(i)
    const socket = tcp.createConnection({ port, host: '127.0.0.1', allowHalfOpen: false })
    const chunks = []
    let received = 0
    let settled = false

    const settle = (ok) => {
      if (settled) return
      settled = true
      resolve(ok)
    }

    socket.on('error', (err) => {
      count(stats.clientErrors, err)
      settle(false)
    })
    socket.on('close', () => {
      stats.clientClosed++
      settle(false)
    })
    socket.on('connect', () => {
      stats.connected++
      socket.write(expected)
    })
    socket.on('data', (data) => {
      chunks.push(data)
      received += data.byteLength
      if (received >= expected.byteLength) {
        const got = Buffer.concat(chunks)
        if (got.equals(expected)) stats.verified++
        else stats.mismatched++
        settle(true)
      }
    })

    clients.push(socket)
  })
}

async function main() {
  const child = spawn(Bare.argv[0], [__filename, 'server', String(COUNT)], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let output = ''
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal }))
  )
  port = await new Promise((resolve, reject) => {
    child.stdout.on('data', (data) => {
      output += data
      const match = /PORT (\d+)/.exec(output)
      if (match) resolve(Number(match[1]))
    })
    exited.then(() => reject(new Error('the server exited early: ' + output)))
  })

  stats.descriptorsBefore = openDescriptors()
  const started = Date.now()

  for (let i = 0; i < COUNT; i += WAVE) {
    const wave = []
    for (let j = i; j < Math.min(COUNT, i + WAVE); j++) wave.push(open(j))
    await Promise.all(wave)
  }

  // Every connection is open now, at the same time.
  stats.peakOpen = clients.filter((socket) => !socket.destroyed).length
  stats.openedMs = Date.now() - started

  const closed = clients.map((socket) =>
    socket.destroyed ? null : new Promise((resolve) => socket.once('close', resolve))
  )
  for (const socket of clients) socket.end()
  await Promise.all(closed)

  stats.descriptorsAfter = openDescriptors()
  stats.totalMs = Date.now() - started

  const server = await exited
  const serverResult = (output.split('\n').find((line) => line.startsWith('RESULT ')) || '').slice(
    7
  )
  stats.server = serverResult ? JSON.parse(serverResult) : null
  stats.serverExit = server

  const ok =
    stats.verified === COUNT &&
    stats.mismatched === 0 &&
    stats.peakOpen === COUNT &&
    stats.clientClosed === COUNT &&
    Object.keys(stats.clientErrors).length === 0 &&
    stats.descriptorsAfter === stats.descriptorsBefore &&
    server.code === 0 &&
    server.signal === null &&
    stats.server !== null &&
    stats.server.ok === true

  stats.ok = ok
  report(stats)
  if (!ok) Bare.exitCode = 1
  // No Bare.exit(): the process must end on its own now.
}

if (MODE === 'server') serve()
else main()
