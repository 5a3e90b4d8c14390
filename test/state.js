const test = require('brittle')
const { tcp, listen, connect, collect, once } = require('./helpers')

test('connecting, pending and readyState through a socket life', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())

  const socket = new tcp.Socket()
  t.teardown(() => socket.destroy())

  t.is(socket.connecting, false)
  t.is(socket.pending, true)
  t.is(socket.readyState, 'closed')

  socket.connect(server.address().port, '127.0.0.1')
  t.is(socket.connecting, true)
  t.is(socket.pending, true)
  t.is(socket.readyState, 'opening')

  await once(socket, 'connect')
  t.is(socket.connecting, false)
  t.is(socket.pending, false)
  t.is(socket.readyState, 'open')

  socket.end()
  t.is(socket.readyState, 'readOnly')

  socket.destroy()
  t.is(socket.pending, true, 'pending again as soon as it is destroyed, as in Node.js')
  t.is(socket.readyState, 'closed')
  await once(socket, 'close')
  t.is(socket.readyState, 'closed')
  t.is(socket.pending, true)
})

test('readyState is writeOnly after the peer ended', async (t) => {
  const server = await listen(t, {}, (socket) => socket.end())
  const socket = connect(t, server.address().port, '127.0.0.1')
  await collect(socket)
  t.is(socket.readyState, 'writeOnly')
})

test('local and remote address, family and port on both ends', async (t) => {
  let accepted = null
  const server = await listen(t, {}, (socket) => (accepted = socket))
  const socket = connect(t, server.address().port, '127.0.0.1')

  t.is(socket.localAddress, undefined, 'no local address before connecting')
  t.alike(socket.address(), {})

  await once(socket, 'connect')
  while (accepted === null) await new Promise((resolve) => setTimeout(resolve, 1))

  t.is(socket.remoteAddress, '127.0.0.1')
  t.is(socket.remotePort, server.address().port)
  t.is(socket.remoteFamily, 'IPv4')
  t.is(socket.localAddress, '127.0.0.1')
  t.is(socket.localFamily, 'IPv4')
  t.alike(socket.address(), { address: '127.0.0.1', family: 'IPv4', port: socket.localPort })

  t.is(accepted.remotePort, socket.localPort)
  t.is(accepted.localPort, socket.remotePort)
  t.is(accepted.remoteAddress, '127.0.0.1')

  socket.destroy()
  await once(socket, 'close')
  t.is(socket.remoteAddress, '127.0.0.1', 'remote address kept after close')
  t.alike(socket.address(), {}, 'no local address after close, though read before')
  t.is(socket.localPort, undefined)

  accepted.destroy()
  await once(accepted, 'close')
  t.alike(accepted.address(), {}, 'nor on a socket whose address was never read')
  t.is(accepted.localAddress, undefined)
})

test("an accepted socket's peer is known in 'close' even if nobody asked before, as in the published bare-tcp", async (t) => {
  let seen = null
  const server = await listen(t, {}, (socket) => {
    socket.on('close', () => {
      seen = { address: socket.remoteAddress, port: socket.remotePort, family: socket.remoteFamily }
    })
    socket.on('end', () => socket.end())
    socket.resume()
  })
  const client = connect(t, server.address().port, '127.0.0.1')
  await once(client, 'connect')
  const localPort = client.localPort
  client.end()

  while (seen === null) await new Promise((resolve) => setTimeout(resolve, 5))
  t.alike(seen, { address: '127.0.0.1', port: localPort, family: 'IPv4' })
})

test('eagerOpen false defers opening until the stream is used', async (t) => {
  const server = await listen(t, {}, (socket) => socket.end('lazy'))
  const socket = new tcp.Socket({ eagerOpen: false })
  t.teardown(() => socket.destroy())

  socket.connect(server.address().port, '127.0.0.1')
  await once(socket, 'connect')
  await new Promise((resolve) => setTimeout(resolve, 50))

  t.is(socket.bytesRead, 0, 'nothing read before the stream is used')
  t.is(socket.readableLength, 0)

  const data = await collect(socket)
  t.is(data.toString(), 'lazy')
})

test('eagerOpen true (the default) reads ahead of any consumer', async (t) => {
  const server = await listen(t, {}, (socket) => socket.end('eager'))
  const socket = new tcp.Socket({ eagerOpen: true })
  t.teardown(() => socket.destroy())

  socket.connect(server.address().port, '127.0.0.1')
  await once(socket, 'connect')
  for (let i = 0; i < 200 && socket.readableLength < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }

  t.is(socket.bytesRead, 5, 'read with no consumer')
  t.is(socket.readableLength, 5)
  t.is((await collect(socket)).toString(), 'eager')
})

test('ref() and unref() return the socket or server and can be called in any state', async (t) => {
  const socket = new tcp.Socket()
  t.is(socket.unref(), socket)
  t.is(socket.ref(), socket)
  socket.destroy()
  t.is(socket.unref(), socket, 'after destroy too')

  const server = tcp.createServer()
  t.is(server.unref(), server)
  t.is(server.ref(), server)
})
