// Test factories that clean up after themselves: every server and socket
// they create is closed in t.teardown, whatever the test did with it.

const tcp = require('../..')
const { spawn } = require('bare-subprocess')
const os = require('bare-os')
const path = require('bare-path')

exports.tcp = tcp

exports.once = function once(emitter, event) {
  return new Promise((resolve) => emitter.once(event, (...args) => resolve(args)))
}

// A server on 127.0.0.1 (or opts.host) with an ephemeral port, closed and
// stripped of its connections at teardown.
exports.listen = async function listen(t, opts = {}, onconnection) {
  const { host = '127.0.0.1', ...serverOpts } = opts
  const server = tcp.createServer(serverOpts, onconnection)

  // Tearing a test down resets connections whose data was never read; the
  // resulting errors on the server's side are expected and not the test's.
  server.on('connection', (socket) => socket.on('error', () => {}))

  t.teardown(() => {
    for (const socket of server.connections) socket.destroy()
    if (server.listening) return new Promise((resolve) => server.close(resolve))
  })

  server.listen(0, host)
  await exports.once(server, 'listening')

  return server
}

exports.echoServer = function echoServer(t, opts) {
  return exports.listen(t, opts, (socket) => socket.pipe(socket))
}

exports.connect = function connect(t, ...argv) {
  const socket = tcp.createConnection(...argv)
  // Before the servers' teardowns, which reset connections with unread data.
  t.teardown(
    () => {
      socket.on('error', () => {})
      socket.destroy()
    },
    { order: -1 }
  )
  return socket
}

// Everything a socket reads until its end, as one Buffer.
exports.collect = function collect(socket) {
  return new Promise((resolve, reject) => {
    const chunks = []
    socket.on('data', (data) => chunks.push(data))
    socket.on('end', () => resolve(Buffer.concat(chunks)))
    socket.on('error', reject)
  })
}

// Runs a fixture under a fresh Bare process, killing it after `timeout` ms.
exports.run = function run(t, fixture, argv = [], { timeout = 20000 } = {}) {
  const file = path.join(__dirname, '..', 'fixtures', fixture)
  const child = spawn(Bare.argv[0], [file, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] })

  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (data) => (stdout += data))
  child.stderr.on('data', (data) => (stderr += data))

  const timer = setTimeout(() => child.kill('SIGKILL'), timeout)
  t.teardown(() => clearTimeout(timer))

  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, stdout, stderr })
    })
  })
}

// An address that never answers: a server in a child process (see
// test/fixtures/blackhole.js) listening with a backlog of 1, stopped with
// SIGSTOP so that it accepts nothing. The kernel queue fills, and from then
// on the kernel drops every SYN, so connects hang until they are given up.
// drain() resumes the child, which accepts everything, letting hung connects
// through on their next SYN retransmission.
exports.blackhole = async function blackhole(t, host = '127.0.0.1') {
  const child = spawn(Bare.argv[0], [path.join(__dirname, '../fixtures/blackhole.js'), host], {
    stdio: ['ignore', 'pipe', 'inherit']
  })

  const fillers = []
  t.teardown(() => {
    for (const socket of fillers) socket.destroy()
    child.kill('SIGKILL')
  })

  const port = await new Promise((resolve, reject) => {
    let output = ''
    child.stdout.on('data', (data) => {
      output += data
      const match = output.match(/PORT (\d+)/)
      if (match) resolve(Number(match[1]))
    })
    child.on('exit', () => reject(new Error('blackhole.js exited: ' + output)))
  })

  // bare-os, not child.kill(): bare-subprocess does not deliver SIGCONT.
  os.kill(child.pid, 'SIGSTOP')

  for (let i = 0; i < 8; i++) {
    const socket = tcp.createConnection(port, host)
    socket.on('error', () => {})
    fillers.push(socket)

    const connected = await Promise.race([
      exports.once(socket, 'connect').then(() => true),
      new Promise((resolve) => setTimeout(resolve, 200, false))
    ])

    if (!connected) break
  }

  return {
    port,
    drain() {
      os.kill(child.pid, 'SIGCONT')
    }
  }
}

// The descriptor number of a connected socket of this process, found
// through /proc by its local port.
exports.fdOf = function fdOf(socket) {
  const fs = require('bare-fs')

  const port = socket.localPort.toString(16).toUpperCase().padStart(4, '0')
  let inode = null

  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/)
      // Closed sockets linger in TIME_WAIT on the same port with inode 0.
      if (fields.length > 9 && fields[1].endsWith(':' + port) && fields[9] !== '0')
        inode = fields[9]
    }
  }

  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`) === `socket:[${inode}]`) return Number(fd)
    } catch {}
  }

  return -1
}
