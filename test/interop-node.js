// Node.js `net` as the peer, in a child process (test/fixtures/node-peer.js):
// a Node.js client against our server and our client against a Node.js
// server, with the bytes checked in both directions and half-close on both
// sides.

const test = require('brittle')
const crypto = require('bare-crypto')
const path = require('bare-path')
const tools = require('./helpers/tools')
const { listen, connect, collect, once } = require('./helpers')

const PEER = path.join(__dirname, 'fixtures', 'node-peer.js')
const SIZE = 2 * 1024 * 1024 + 13

const needs = tools.requires('node')

// The same bytes as pattern() in fixtures/node-peer.js.
function pattern(size, seed) {
  const bytes = Buffer.alloc(size)
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 17 + (i >> 8)) & 0xff
  return bytes
}

function sha256(data) {
  return crypto.createHash('sha256').update(data).digest('hex')
}

function report(output) {
  const line = output.split('\n').find((line) => line.startsWith('{'))
  return line ? JSON.parse(line) : null
}

for (const host of ['127.0.0.1', '::1']) {
  test(`Node.js client against our server on ${host}`, needs, async (t) => {
    let received = null

    const server = await listen(t, { host }, async (socket) => {
      received = await collect(socket)
      socket.end(pattern(SIZE, 2))
    })

    const node = await tools.run(t, 'node', [PEER, 'client', server.address().port, host, SIZE])

    t.is(node.code, 0, `node exited cleanly ${node.stderr}`)
    t.alike(received, pattern(SIZE, 1), 'what Node.js sent arrived whole')
    t.alike(
      report(node.stdout),
      { received: SIZE, sha256: sha256(pattern(SIZE, 2)) },
      'what we sent arrived whole in Node.js'
    )
  })
}

test('our client against a Node.js server', needs, async (t) => {
  const node = tools.start(t, 'node', [PEER, 'server', '127.0.0.1', SIZE])
  const [, port] = await node.waitFor(/listening (\d+)/)

  const socket = connect(t, Number(port), '127.0.0.1')
  await once(socket, 'connect')

  // Half-close: Node.js answers only after our end arrived.
  socket.end(pattern(SIZE, 1))
  const received = await collect(socket)

  const result = await node.exited
  t.is(result.code, 0, `node exited cleanly ${result.stderr}`)

  t.alike(received, pattern(SIZE, 2), 'what Node.js sent arrived whole')
  t.alike(
    report(result.stdout),
    { received: SIZE, sha256: sha256(pattern(SIZE, 1)) },
    'what we sent arrived whole in Node.js'
  )
  t.is(socket.bytesWritten, SIZE)
  t.is(socket.bytesRead, SIZE)
})

test('our client sees a Node.js server refuse, with a Node.js-style error', needs, async (t) => {
  const node = tools.start(t, 'node', [PEER, 'server', '127.0.0.1', 1])
  const [, port] = await node.waitFor(/listening (\d+)/)

  // Let the server take one connection and close, so the port is free.
  const first = connect(t, Number(port), '127.0.0.1')
  first.end()
  await collect(first)
  await node.exited

  const socket = connect(t, Number(port), '127.0.0.1')
  const [err] = await once(socket, 'error')

  t.is(err.code, 'ECONNREFUSED')
  t.is(err.syscall, 'connect')
  t.is(err.message, `connect ECONNREFUSED 127.0.0.1:${port}`)
})
