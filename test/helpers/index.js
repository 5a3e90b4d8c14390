// Test factories that clean up after themselves: every server and socket
// they create is closed in t.teardown, whatever the test did with it.

const tcp = require('../..')
const { spawn } = require('bare-subprocess')
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
  t.teardown(() => socket.destroy())
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
