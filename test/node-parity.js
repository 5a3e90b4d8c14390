const test = require('brittle')
const { tcp, listen, echoServer, connect, collect, once } = require('./helpers')

test('resetAndDestroy() closes with RST: the peer sees ECONNRESET', async (t) => {
  let peer = null
  const server = await listen(t, {}, (socket) => (peer = socket))
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')
  while (peer === null) await new Promise((resolve) => setTimeout(resolve, 1))

  const errored = once(peer, 'error')
  const closed = once(socket, 'close')
  const localPort = socket.localPort
  peer.resume()
  socket.resetAndDestroy()

  const [err] = await errored
  t.is(err.code, 'ECONNRESET')
  t.is(err.syscall, 'read')
  t.is(err.address, '127.0.0.1', 'an accepted socket names its peer after the reset')
  t.is(err.port, localPort)
  const [hadError] = await closed
  t.is(hadError, false, 'resetting is not an error on our side')
})

test('resetAndDestroy() on an unconnected socket errors with SOCKET_IS_CLOSED', async (t) => {
  const socket = new tcp.Socket()
  socket.resetAndDestroy()
  const [err] = await once(socket, 'error')
  t.is(err.code, 'SOCKET_IS_CLOSED')
})

test("resetAndDestroy() while connecting resets once connected, after 'connect', as in Node.js", async (t) => {
  let peer = null
  const server = await listen(t, {}, (socket) => {
    peer = socket
    socket.resume()
  })
  const socket = connect(t, server.address().port, '127.0.0.1')
  const events = []
  socket.on('connect', () => events.push('connect'))
  socket.on('close', (hadError) => events.push('close ' + hadError))

  t.is(socket.resetAndDestroy(), socket)
  t.ok(socket.connecting, 'still connecting')
  t.is(socket.readyState, 'opening')

  await once(socket, 'close')
  t.alike(events, ['connect', 'close false'])

  while (peer === null) await new Promise((resolve) => setTimeout(resolve, 1))
  const [err] = await once(peer, 'error')
  t.is(err.code, 'ECONNRESET', 'the peer sees the reset')
})

test('resetAndDestroy() while connecting to nothing fails as the connect does', async (t) => {
  const server = await listen(t)
  const port = server.address().port
  await new Promise((resolve) => server.close(resolve))

  const socket = tcp.createConnection(port, '127.0.0.1')
  const errored = once(socket, 'error')
  const closed = once(socket, 'close')
  socket.resetAndDestroy()
  const [err] = await errored
  t.is(err.code, 'ECONNREFUSED')
  t.alike(await closed, [true])
  t.is(socket.listenerCount('connect'), 0, 'no reset left waiting for a connect')
})

test('pauseOnConnect: the socket says it is paused until asked for data, as in Node.js', async (t) => {
  const server = await listen(t, { pauseOnConnect: true }, async (socket) => {
    t.is(socket.isPaused(), true, 'paused')
    t.is(socket.readableFlowing, false)

    await new Promise((resolve) => setTimeout(resolve, 50))
    t.is(socket.bytesRead, 0, 'nothing read while paused')

    // Unlike Node.js, and as in the published bare-tcp, a 'data' listener
    // asks for data too (see test/server.js).
    const received = []
    socket.on('data', (data) => received.push(data))
    t.is(socket.isPaused(), false)
    t.is(socket.readableFlowing, true)

    await once(socket, 'end')
    t.is(Buffer.concat(received).toString(), 'hello')
    socket.end()
  })

  const socket = connect(t, server.address().port, '127.0.0.1')
  socket.end('hello')
  socket.resume()
  await once(socket, 'close')
})

test('socket.server is the server that accepted it; bufferSize is writableLength', async (t) => {
  let accepted = null
  const server = await listen(t, {}, (socket) => (accepted = socket))
  const socket = connect(t, server.address().port, '127.0.0.1')
  t.is(socket.server, null, 'a connecting socket has none')
  await once(socket, 'connect')
  while (accepted === null) await new Promise((resolve) => setTimeout(resolve, 1))
  t.is(accepted.server, server)
  t.is(socket.server, null)
  socket.server = 'mine'
  t.is(socket.server, 'mine', 'a program may set it, as in Node.js')

  socket.cork()
  socket.write('abc')
  t.is(socket.bufferSize, 3)
  t.is(socket.bufferSize, socket.writableLength)
  socket.uncork()
})

test('setEncoding() with an unknown encoding throws INVALID_ARGUMENT', (t) => {
  const socket = new tcp.Socket()
  t.exception(() => socket.setEncoding('bogus'), /INVALID_ARGUMENT/)
  t.is(socket.setEncoding('hex'), socket)
  socket.destroy()
})

test('setEncoding() with no encoding, undefined or null, decodes UTF-8, as in Node.js', async (t) => {
  const server = await listen(t, {}, (socket) => socket.end('h\u00e9llo'))
  for (const encoding of [[], [undefined], [null]]) {
    const socket = connect(t, server.address().port, '127.0.0.1')
    socket.setEncoding(...encoding)
    const [text] = await once(socket, 'data')
    t.is(text, 'h\u00e9llo', `setEncoding(${encoding.map(String)})`)
  }
})

test("'close' carries hadError", async (t) => {
  const server = await echoServer(t)

  const clean = connect(t, server.address().port, '127.0.0.1')
  clean.end()
  clean.resume()
  const [hadError] = await once(clean, 'close')
  t.is(hadError, false)

  const failed = connect(t, server.address().port, '127.0.0.1')
  failed.on('error', () => {})
  failed.destroy(new Error('boom'))
  const [hadError2] = await once(failed, 'close')
  t.is(hadError2, true)
})

test('localAddress and localPort bind the client before connecting', async (t) => {
  const server = await listen(t, { host: '127.0.0.1' }, (socket) =>
    socket.end(`${socket.remoteAddress}:${socket.remotePort}`)
  )

  const probe = await listen(t)
  const localPort = probe.address().port
  await new Promise((resolve) => probe.close(resolve))

  const socket = connect(t, {
    port: server.address().port,
    host: '127.0.0.1',
    localAddress: '127.0.0.5',
    localPort
  })
  const data = await collect(socket)
  t.is(data.toString(), `127.0.0.5:${localPort}`)
  t.is(socket.localAddress, '127.0.0.5')
  t.is(socket.localPort, localPort)
})

test('a localPort in use fails the connect with a bind error naming the local end', async (t) => {
  const server = await listen(t, { host: '127.0.0.1' })
  const busy = server.address().port

  const socket = connect(t, {
    port: busy,
    host: '127.0.0.1',
    localAddress: '127.0.0.1',
    localPort: busy
  })
  const [err] = await once(socket, 'error')
  t.is(err.code, 'EADDRINUSE')
  t.is(err.syscall, 'bind', 'as in Node.js, not connect')
  t.is(err.address, '127.0.0.1')
  t.is(err.port, busy)
  t.is(err.message, `bind EADDRINUSE 127.0.0.1:${busy}`)

  // A port of 0 is not named.
  const elsewhere = connect(t, { port: busy, host: '127.0.0.1', localAddress: '192.0.2.1' })
  const [err2] = await once(elsewhere, 'error')
  t.is(err2.code, 'EADDRNOTAVAIL')
  t.is(err2.syscall, 'bind')
  t.is(err2.message, 'bind EADDRNOTAVAIL 192.0.2.1')
})

test('a bad localAddress is INVALID_HOST', (t) => {
  t.exception(() => connect(t, 1, '127.0.0.1', { localAddress: 'nope' }), /INVALID_HOST/)
})

test('getConnections(cb) counts live connections', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())
  connect(t, server.address().port, '127.0.0.1')
  await once(server, 'connection')

  const [err, count] = await new Promise((resolve) =>
    server.getConnections((...args) => resolve(args))
  )
  t.is(err, null)
  t.is(count, 1)
})

test('writableLength counts bytes not yet in the kernel', async (t) => {
  let peer = null
  const server = await listen(t, { pauseOnConnect: true }, (socket) => (peer = socket))
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  t.is(socket.writableLength, 0)
  socket.write(Buffer.alloc(64 * 1024 * 1024))
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.ok(
    socket.writableLength > 0 && socket.writableLength < 64 * 1024 * 1024,
    `${socket.writableLength} bytes pending`
  )
  t.ok(peer)

  socket.destroy()
  t.is(socket.writableLength, 0, 'none of it will reach the kernel once destroy() is called')
  t.is(socket.bufferSize, 0)
})

test('Symbol.asyncDispose closes sockets and servers', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume().on('end', () => socket.end()))
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  await socket[Symbol.asyncDispose]()
  t.ok(socket.destroyed)

  await server[Symbol.asyncDispose]()
  t.is(server.listening, false)
  t.is(server.connections.size, 0)
})

test('reusePort lets two servers listen on one port', async (t) => {
  const a = tcp.createServer((socket) => socket.end('a'))
  const b = tcp.createServer((socket) => socket.end('b'))
  t.teardown(() => {
    a.close()
    b.close()
  })

  a.listen({ port: 0, host: '127.0.0.1', reusePort: true })
  await once(a, 'listening')
  const { port } = a.address()

  b.listen({ port, host: '127.0.0.1', reusePort: true })
  await once(b, 'listening')
  t.is(b.address().port, port)

  const seen = new Set()
  for (let i = 0; i < 64 && seen.size < 2; i++) {
    const socket = connect(t, port, '127.0.0.1')
    seen.add((await collect(socket)).toString())
    socket.end()
  }
  t.alike([...seen].sort(), ['a', 'b'], 'connections spread over both')

  const c = tcp.createServer()
  c.listen(port, '127.0.0.1')
  const [err] = await once(c, 'error')
  t.is(err.code, 'EADDRINUSE', 'without reusePort the port is taken')
})

test("Node.js's stream state: readableEnded, readableLength, readableFlowing, isPaused(), writableEnded, writableFinished, writableNeedDrain, writableCorked, and 'ready'", async (t) => {
  let peer = null
  const server = await listen(t, {}, (socket) => (peer = socket))
  const socket = connect(t, server.address().port, '127.0.0.1')

  const events = []
  socket.on('connect', () => events.push('connect'))
  socket.on('ready', () => events.push('ready'))
  await once(socket, 'ready')
  t.alike(events, ['connect', 'ready'], "'ready' right after 'connect'")
  while (peer === null) await new Promise((resolve) => setTimeout(resolve, 1))

  t.is(socket.readableFlowing, null, 'nobody reads yet')
  t.is(socket.isPaused(), false)
  const onReadable = () => {}
  socket.on('readable', onReadable)
  t.is(socket.readableFlowing, false, "a 'readable' consumer reads without flowing")
  socket.off('readable', onReadable)
  socket.pause()
  t.is(socket.isPaused(), true, 'paused by pause()')
  t.is(socket.readableFlowing, false)

  peer.write('abc')
  while (socket.readableLength === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  t.is(socket.readableLength, 3, 'held while paused')

  socket.resume()
  t.is(socket.isPaused(), false)
  t.is(socket.readableFlowing, true)

  socket.pause()
  t.is(socket.readableFlowing, false)
  const onData = () => {}
  socket.on('data', onData)
  t.is(socket.isPaused(), false, "a 'data' listener starts the flow again")
  t.is(socket.readableFlowing, true, 'and readableFlowing says so')
  socket.off('data', onData)

  socket.cork()
  t.is(socket.writableCorked, 1)
  socket.uncork()
  t.is(socket.writableCorked, 0)

  peer.pause()
  let full = false
  for (let i = 0; i < 1000 && !full; i++) full = !socket.write(Buffer.alloc(65536))
  t.ok(full, 'a write said false')
  t.is(socket.writableNeedDrain, true)
  peer.resume()
  await once(socket, 'drain')
  t.is(socket.writableNeedDrain, false)

  t.is(socket.writableEnded, false)
  socket.end()
  t.is(socket.writableEnded, true)
  t.is(socket.writableFinished, false)
  await once(socket, 'finish')
  t.is(socket.writableFinished, true)

  t.is(socket.readableEnded, false)
  peer.end()
  await once(socket, 'end')
  t.is(socket.readableEnded, true)
})

test('destroySoon() ends our side and destroys the socket once it has finished', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  const order = []
  socket.write('last words', () => order.push('written'))
  socket.on('finish', () => order.push('finish'))
  socket.on('close', () => order.push('close'))
  t.is(socket.destroySoon(), socket)
  await once(socket, 'close')
  t.alike(order, ['written', 'finish', 'close'])
})

test("resume() on a socket read through 'readable' leaves it to read(), as in Node.js", async (t) => {
  // Flowing, its chunks would go to 'data', which nobody listens to.
  const parts = ['one', 'two', 'three']
  let peer = null
  const server = await listen(t, {}, (socket) => {
    peer = socket
    socket.write(parts[0])
  })
  const socket = connect(t, server.address().port, '127.0.0.1')

  let received = ''
  socket.on('readable', () => {
    let chunk
    while ((chunk = socket.read()) !== null) received += chunk
  })
  const ended = once(socket, 'end')

  for (let i = 1; i <= parts.length; i++) {
    while (received.length < parts.slice(0, i).join('').length) await once(socket, 'readable')
    socket.resume()
    if (i < parts.length) peer.write(parts[i])
    else peer.end()
  }
  await ended

  t.is(received, parts.join(''), 'every part came through read()')
  t.is(socket.readableFlowing, false, 'not flowing')
})

test("a socket resumed while a 'readable' listener was there flows to 'data' once that listener is gone, as in Node.js", async (t) => {
  const total = 1 << 20
  const server = await listen(t, {}, (socket) => socket.end(Buffer.alloc(total)))
  const socket = connect(t, server.address().port, '127.0.0.1')

  let received = 0
  socket.on('data', (data) => (received += data.byteLength))
  socket.pause()
  socket.once('readable', () => {})
  socket.resume()

  await once(socket, 'end')
  t.is(received, total, 'every byte reached data')
})

test("removing the last 'readable' listener makes a socket with 'data' listeners flow, even one paused, as Node.js documents", async (t) => {
  const server = await listen(t, {}, (socket) => socket.end('hello'))
  const socket = connect(t, server.address().port, '127.0.0.1')

  let received = 0
  socket.on('data', (data) => (received += data.byteLength))
  const onreadable = () => {}
  socket.on('readable', onreadable)
  socket.pause()
  socket.off('readable', onreadable)

  await once(socket, 'end')
  t.is(received, 5, 'every byte reached data')
  t.absent(socket.isPaused(), 'no longer paused')
})

test("Node.js's closed and errored: false and null until 'close', then true and the error that destroyed the socket", async (t) => {
  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
    socket.end('bye')
  })

  const clean = connect(t, server.address().port, '127.0.0.1')
  t.is(clean.closed, false)
  t.is(clean.errored, null)
  clean.resume()
  await once(clean, 'end')
  t.is(clean.closed, false, 'not before close')
  clean.end()
  await once(clean, 'close')
  t.is(clean.closed, true)
  t.is(clean.errored, null, 'no error for a clean close')

  const refused = tcp.createConnection(1, '127.0.0.1')
  refused.on('error', () => {})
  await once(refused, 'close')
  t.is(refused.closed, true)
  t.is(refused.errored && refused.errored.code, 'ECONNREFUSED')

  const boom = new Error('boom')
  const destroyed = connect(t, server.address().port, '127.0.0.1')
  destroyed.on('error', () => {})
  destroyed.destroy(boom)
  await once(destroyed, 'close')
  t.is(destroyed.errored, boom)
})
