const test = require('brittle')
const { tcp, listen, connect, once } = require('./helpers')

test('connections over maxConnections are closed at once and reported as drop', async (t) => {
  const server = await listen(t, { maxConnections: 2 }, (socket) => socket.resume())
  t.is(server.maxConnections, 2)

  const { port } = server.address()
  const kept = [connect(t, port, '127.0.0.1'), connect(t, port, '127.0.0.1')]
  await Promise.all(kept.map((socket) => once(socket, 'connect')))
  while (server.connections.size < 2) await new Promise((resolve) => setTimeout(resolve, 5))

  const extra = connect(t, port, '127.0.0.1')
  extra.on('error', () => {})
  extra.resume()

  let extraPort = null
  extra.on('connect', () => (extraPort = extra.localPort))
  const extraEnded = once(extra, 'end')

  const [info] = await once(server, 'drop')

  t.is(info.localAddress, '127.0.0.1')
  t.is(info.localPort, port)
  t.is(info.localFamily, 'IPv4')
  t.is(info.remoteAddress, '127.0.0.1')
  t.is(info.remoteFamily, 'IPv4')

  await extraEnded
  t.is(info.remotePort, extraPort)
  t.is(server.connections.size, 2, 'the dropped connection was never added')

  server.maxConnections = 0
  const unlimited = connect(t, port, '127.0.0.1')
  await once(server, 'connection')
  t.ok(unlimited)
})

test('maxConnections must be a non-negative integer', (t) => {
  t.exception(() => tcp.createServer({ maxConnections: -1 }), /INVALID_ARGUMENT/)
  const server = tcp.createServer()
  t.exception(() => (server.maxConnections = 1.5), /INVALID_ARGUMENT/)
})
