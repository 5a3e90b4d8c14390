const test = require('brittle')
const { tcp, listen, echoServer, connect, once } = require('./helpers')

function track(socket) {
  const events = []
  for (const name of ['connect', 'error', 'close']) socket.on(name, () => events.push(name))
  return events
}

test('destroy during lookup: close, no connect, no error; the late answer is ignored', async (t) => {
  const server = await echoServer(t)

  let answer = null
  const socket = connect(t, server.address().port, 'slow.test', {
    lookup(host, opts, cb) {
      answer = cb
    }
  })
  const events = track(socket)

  await new Promise((resolve) => setTimeout(resolve, 10))
  socket.destroy()
  await once(socket, 'close')

  answer(null, [{ address: '127.0.0.1', family: 4 }])
  await new Promise((resolve) => setTimeout(resolve, 50))

  t.alike(events, ['close'])
  t.is(server.connections.size, 0, 'nothing connected after the answer')
})

test('destroy while connecting: close, no connect, no error', async (t) => {
  const server = await echoServer(t)

  const socket = connect(t, server.address().port, '127.0.0.1')
  const events = track(socket)
  t.is(socket.destroy(), socket, 'destroy() returns the socket, as in Node.js')

  await once(socket, 'close')
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.alike(events, ['close'])
  t.is(socket.connecting, false)
})

test('destroy between two address attempts', async (t) => {
  const server = await echoServer(t)
  const closed = await listen(t)
  const refusedPort = closed.address().port
  await new Promise((resolve) => closed.close(resolve))

  const socket = connect(t, refusedPort, 'two.test', {
    lookup(host, opts, cb) {
      cb(null, [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 }
      ])
    }
  })
  const events = track(socket)

  const attempts = []
  socket.on('connectionAttempt', (address) => attempts.push(address))
  socket.on('connectionAttemptFailed', (address, port, family, err) => {
    t.is(err.code, 'ECONNREFUSED')
    socket.destroy()
  })

  await once(socket, 'close')
  t.alike(attempts, ['127.0.0.1'], 'the second address was never tried')
  t.absent(events.includes('error'))
  t.ok(server)
})

test('destroy(err) emits that error, then close', async (t) => {
  const server = await echoServer(t)
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  const events = track(socket)
  const boom = new Error('boom')
  socket.destroy(boom)

  const [err] = await once(socket, 'error')
  t.is(err, boom)
  await new Promise((resolve) => setTimeout(resolve, 10))
  t.alike(events, ['error', 'close'])
})

test('destroy twice, and from inside data, end, drain and connect handlers', async (t) => {
  // Clients destroyed with data unread make the kernel reset these.
  const server = await listen(t, {}, (socket) => socket.on('error', () => {}).end('data'))
  const { port } = server.address()

  const a = connect(t, port, '127.0.0.1')
  a.destroy()
  a.destroy()
  await once(a, 'close')
  t.pass('destroyed twice')

  for (const event of ['connect', 'data', 'end']) {
    const socket = connect(t, port, '127.0.0.1')
    socket.on(event, () => socket.destroy())
    if (event !== 'data') socket.resume()
    await once(socket, 'close')
    t.pass(`destroyed from ${event}`)
  }

  let peer = null
  const paused = await listen(t, { pauseOnConnect: true }, (socket) => (peer = socket))
  const socket = connect(t, paused.address().port, '127.0.0.1')
  await once(socket, 'connect')
  while (socket.write(Buffer.alloc(1024))) await new Promise((resolve) => setImmediate(resolve))
  socket.on('drain', () => socket.destroy())
  peer.resume()
  await once(socket, 'close')
  t.pass('destroyed from drain')
})

test('destroy while a large write is in flight: its callback gets an error, then close', async (t) => {
  let peer = null
  const server = await listen(t, { pauseOnConnect: true }, (socket) => (peer = socket))
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  const big = Buffer.alloc(32 * 1024 * 1024, 1)
  let result = 'pending'
  socket.write(big, (err) => (result = err))

  await new Promise((resolve) => setTimeout(resolve, 50))
  t.is(result, 'pending', 'the kernel cannot take 32 MiB at once')

  socket.destroy()
  await once(socket, 'close')
  await new Promise((resolve) => setTimeout(resolve, 10))

  t.ok(result instanceof Error, `write callback got ${result}`)
  t.ok(peer)
})

test('writes after end or destroy report an error to their callback', async (t) => {
  const server = await echoServer(t)
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  socket.end()
  const afterEnd = await new Promise((resolve) => socket.write('late', resolve))
  t.is(afterEnd.code, 'WRITE_AFTER_END')

  const other = connect(t, server.address().port, '127.0.0.1')
  await once(other, 'connect')
  other.destroy()
  const afterDestroy = await new Promise((resolve) => other.write('late', resolve))
  t.is(afterDestroy.code, 'SOCKET_IS_CLOSED')
  t.is(other.write('late'), false)
})

test('the peer resetting the connection: one error with a code, then close', async (t) => {
  let peer = null
  const server = await listen(t, { pauseOnConnect: true }, (socket) => (peer = socket))
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  socket.write('unread data makes close send RST')
  await new Promise((resolve) => setTimeout(resolve, 50))

  const errors = []
  socket.on('error', (err) => errors.push(err))
  socket.resume()

  peer.destroy()
  await once(socket, 'close')

  t.is(errors.length, 1)
  t.ok(['ECONNRESET', 'EPIPE'].includes(errors[0].code), errors[0].code)
  t.ok(['read', 'write'].includes(errors[0].syscall), errors[0].syscall)
  t.is(errors[0].address, '127.0.0.1')
  t.is(errors[0].port, server.address().port, 'the peer is named')

  const late = await new Promise((resolve) => socket.write('after reset', resolve))
  t.ok(late instanceof Error, 'a write after the reset reports an error')
})

test('writing into a reset connection reports the error to the write callback', async (t) => {
  let peer = null
  const server = await listen(t, { pauseOnConnect: true }, (socket) => (peer = socket))
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  socket.on('error', () => {})
  socket.write('x')
  await new Promise((resolve) => setTimeout(resolve, 50))
  peer.destroy()
  await new Promise((resolve) => setTimeout(resolve, 50))

  // The reset reaches the socket through a write or a read, whichever comes
  // first; either way the write callbacks hear of it.
  const results = []
  for (let i = 0; i < 20; i++) {
    const err = await new Promise((resolve) => socket.write(Buffer.alloc(1024), resolve))
    results.push(err)
    if (err) break
  }

  t.ok(
    results.some((err) => err instanceof Error),
    'an error reached a write callback'
  )
  t.ok(socket.destroyed || socket.destroying)
  t.ok(tcp)
})

// What a server's connection received by the time the client's side ended
// and closed, the client running `onconnect` once connected.
async function receivedBy(t, onconnect) {
  let received = ''
  let ended
  const done = new Promise((resolve) => (ended = resolve))

  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
    socket.on('data', (data) => (received += data))
    socket.on('end', () => {
      socket.end()
      ended()
    })
  })
  const socket = connect(t, server.address().port, '127.0.0.1')
  socket.on('connect', () => onconnect(socket))
  const closed = once(socket, 'close')

  await done
  await closed
  return received
}

test('writes made in the same turn as destroy() reach the peer first, as in Node.js; what cork() holds does not', async (t) => {
  const results = []
  const received = await receivedBy(t, (socket) => {
    for (const chunk of ['a', 'b', 'c']) socket.write(chunk, (err) => results.push(err))
    socket.destroy()
  })
  t.is(received, 'abc')
  t.alike(results, [null, null, null], 'each write reached the kernel')

  let held = null
  const heldReceived = await receivedBy(t, (socket) => {
    socket.cork()
    socket.write('held', (err) => (held = err))
    socket.destroy()
  })
  t.is(heldReceived, '', 'corked by the program: dropped')
  t.is(held && held.code, 'SOCKET_IS_CLOSED', 'with an error')
})
