const test = require('brittle')
const { tcp, listen, connect, once } = require('./helpers')
const binding = require('../lib/native')

// What the kernel holds, read with getsockopt through the addon.
function kernel(socket) {
  return binding.sockopts(socket._handle)
}

test('keep-alive: enable, initial delay, interval and count reach the kernel', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())

  const socket = connect(t, server.address().port, '127.0.0.1', {
    keepAlive: true,
    keepAliveInitialDelay: 7000,
    keepAliveInterval: 3000,
    keepAliveCount: 4
  })
  await once(socket, 'connect')

  t.is(socket.keepAlive, true)
  t.is(socket.keepAliveInitialDelay, 7000)

  let opts = kernel(socket)
  t.is(opts.keepAlive, 1)
  t.is(opts.keepAliveIdle, 7)
  t.is(opts.keepAliveInterval, 3)
  t.is(opts.keepAliveCount, 4)

  socket.setKeepAlive(true, 20000, { interval: 5000, count: 9 })
  opts = kernel(socket)
  t.is(opts.keepAliveIdle, 20)
  t.is(opts.keepAliveInterval, 5)
  t.is(opts.keepAliveCount, 9)

  socket.setKeepAlive(false)
  t.is(kernel(socket).keepAlive, 0)
  t.is(socket.keepAlive, false)
})

test('keep-alive without an interval or count probes every second, ten times, as in Node.js', async (t) => {
  const server = await listen(t, { keepAlive: true, keepAliveInitialDelay: 5000 }, (socket) =>
    socket.resume()
  )

  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')
  socket.setKeepAlive(true, 7000)

  const opts = kernel(socket)
  t.is(opts.keepAlive, 1)
  t.is(opts.keepAliveIdle, 7)
  t.is(opts.keepAliveInterval, 1)
  t.is(opts.keepAliveCount, 10)

  while (server.connections.size === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  const accepted = [...server.connections][0]
  t.is(kernel(accepted).keepAliveInterval, 1, "and a server's keepAlive too")
  t.is(kernel(accepted).keepAliveCount, 10)
})

test('the switches of setKeepAlive() and setNoDelay() are read for their truth, and the options may follow the switch', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  socket.setNoDelay(0)
  t.is(socket.noDelay, false)
  t.is(kernel(socket).noDelay, 0)
  socket.setNoDelay(1)
  t.is(socket.noDelay, true)
  t.ok(kernel(socket).noDelay !== 0)

  socket.setKeepAlive('yes', { interval: 2000, count: 4 })
  const opts = kernel(socket)
  t.is(socket.keepAlive, true)
  t.is(opts.keepAlive, 1)
  t.is(opts.keepAliveInterval, 2)
  t.is(opts.keepAliveCount, 4)

  socket.setKeepAlive(null)
  t.is(socket.keepAlive, false)
  t.is(kernel(socket).keepAlive, 0)
})

test('setKeepAlive(delay[, opts]) turns keep-alive on with that delay; a delay of 0 turns it off', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  t.is(socket.setKeepAlive(5000), socket)
  t.is(socket.keepAlive, true)
  t.is(socket.keepAliveInitialDelay, 5000)
  t.is(kernel(socket).keepAlive, 1)
  t.is(kernel(socket).keepAliveIdle, 5)

  socket.setKeepAlive(9000, { interval: 2000, count: 3 })
  let opts = kernel(socket)
  t.is(opts.keepAlive, 1)
  t.is(opts.keepAliveIdle, 9)
  t.is(opts.keepAliveInterval, 2)
  t.is(opts.keepAliveCount, 3)

  socket.setKeepAlive(0)
  t.is(socket.keepAlive, false)
  t.is(kernel(socket).keepAlive, 0)

  // Before connecting too.
  const early = new tcp.Socket().setKeepAlive(3000)
  t.is(early.keepAlive, true)
  t.is(early.keepAliveInitialDelay, 3000)
  early.destroy()

  t.exception(() => socket.setKeepAlive(-1), /INVALID_ARGUMENT/)
  t.exception(() => socket.setKeepAlive(1000, 'often'), /INVALID_ARGUMENT/)
})

test('noDelay reaches the kernel and the getter', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())
  const socket = connect(t, server.address().port, '127.0.0.1', { noDelay: true })
  await once(socket, 'connect')

  t.is(socket.noDelay, true)
  t.ok(kernel(socket).noDelay !== 0)

  socket.setNoDelay(false)
  t.is(socket.noDelay, false)
  t.is(kernel(socket).noDelay, 0)
})

test('userTimeout as an option and through setUserTimeout()', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())
  const socket = connect(t, server.address().port, '127.0.0.1', { userTimeout: 12345 })
  await once(socket, 'connect')

  t.is(kernel(socket).userTimeout, 12345)
  t.is(socket.userTimeout, 12345)

  socket.setUserTimeout(500)
  t.is(kernel(socket).userTimeout, 500)

  t.exception(() => socket.setUserTimeout(-1), /INVALID_ARGUMENT/)
})

test('server options apply noDelay, keep-alive details and user timeout to accepted sockets', async (t) => {
  let accepted = null
  const server = await listen(
    t,
    {
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: 4000,
      keepAliveInterval: 2000,
      keepAliveCount: 3,
      userTimeout: 900
    },
    (socket) => (accepted = socket)
  )

  connect(t, server.address().port, '127.0.0.1')
  await once(server, 'connection')

  const opts = kernel(accepted)
  t.is(accepted.noDelay, true)
  t.ok(opts.noDelay !== 0)
  t.is(opts.keepAlive, 1)
  t.is(opts.keepAliveIdle, 4)
  t.is(opts.keepAliveInterval, 2)
  t.is(opts.keepAliveCount, 3)
  t.is(opts.userTimeout, 900)
})

test('kernel buffer sizes as options, setters and getters', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())
  const socket = connect(t, server.address().port, '127.0.0.1', {
    sendBufferSize: 65536,
    recvBufferSize: 32768
  })

  t.is(socket.sendBufferSize, 65536, 'before connecting: the size asked for')
  await once(socket, 'connect')

  // Linux doubles what it is asked for, to leave room for its bookkeeping.
  t.is(socket.sendBufferSize, kernel(socket).sendBufferSize)
  t.ok(socket.sendBufferSize >= 65536)
  t.ok(socket.recvBufferSize >= 32768)

  socket.setSendBufferSize(200000)
  socket.setRecvBufferSize(100000)
  t.ok(kernel(socket).sendBufferSize >= 200000)
  t.ok(kernel(socket).recvBufferSize >= 100000)

  t.exception(() => socket.setSendBufferSize(0), /INVALID_ARGUMENT/)
  t.exception(() => socket.setRecvBufferSize('big'), /INVALID_ARGUMENT/)
})

test('getInfo() reports live TCP statistics with units in their names', async (t) => {
  const server = await listen(t, {}, (socket) => socket.pipe(socket))
  const socket = connect(t, server.address().port, '127.0.0.1')

  t.is(socket.getInfo(), null, 'null before connecting')

  await once(socket, 'connect')
  socket.write(Buffer.alloc(100000))
  let received = 0
  socket.on('data', (data) => (received += data.byteLength))
  while (received < 100000) await once(socket, 'data')

  const info = socket.getInfo()
  for (const key of [
    'state',
    'rttMicroseconds',
    'rttVarianceMicroseconds',
    'minRttMicroseconds',
    'congestionWindowSegments',
    'retransmitsInFlight',
    'totalRetransmits',
    'bytesAcked',
    'bytesReceived',
    'deliveryRateBytesPerSecond'
  ]) {
    t.is(typeof info[key], 'number', key)
  }

  t.is(info.state, 1, 'TCP_ESTABLISHED')
  t.ok(info.bytesAcked >= 100000, `bytesAcked ${info.bytesAcked}`)
  t.ok(info.bytesReceived >= 100000, `bytesReceived ${info.bytesReceived}`)
  t.ok(info.congestionWindowSegments > 0)

  socket.destroy()
  await once(socket, 'close')
  t.is(socket.getInfo(), null, 'null after close')
  t.ok(tcp)
})

test("keep-alive times and counts above the kernel's limits are taken as the limits, not refused", async (t) => {
  // Linux takes at most 32767 s and 127 probes, and refuses more with
  // EINVAL; a connection asking for ten hours must still connect.
  const hours10 = 10 * 3600 * 1000
  const limits = { keepAliveIdle: 32767, keepAliveInterval: 32767, keepAliveCount: 127 }
  const big = {
    keepAlive: true,
    keepAliveInitialDelay: hours10,
    keepAliveInterval: hours10,
    keepAliveCount: 1000
  }

  let accepted = null
  const server = await listen(t, big, (socket) => {
    accepted = socket
    socket.end('kept')
  })

  const socket = connect(t, server.address().port, '127.0.0.1', big)
  socket.on('error', (err) => t.fail(err.message))
  let received = ''
  socket.on('data', (data) => (received += data))
  await Promise.race([once(socket, 'connect'), once(socket, 'close')])
  if (socket.destroyed) return
  while (accepted === null) await new Promise((resolve) => setTimeout(resolve, 5))

  for (const [side, s] of [
    ['client', socket],
    ['accepted', accepted]
  ]) {
    const opts = kernel(s)
    for (const name of Object.keys(limits)) t.is(opts[name], limits[name], `${side}: ${name}`)
  }
  t.is(socket.keepAliveInitialDelay, hours10, 'the getter keeps what was asked for')

  socket.setKeepAlive(true, 36e6, { interval: 1000, count: 200 })
  t.is(kernel(socket).keepAliveIdle, 32767, 'setKeepAlive() too')
  t.is(kernel(socket).keepAliveInterval, 1)
  t.is(kernel(socket).keepAliveCount, 127)

  await once(socket, 'end')
  t.is(received, 'kept')
})
