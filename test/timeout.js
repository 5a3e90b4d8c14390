const test = require('brittle')
const { tcp, listen, connect, once } = require('./helpers')
const { fixtureResult } = require('./fixtures/support')

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

test('an idle socket emits timeout once per idle period', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  let timeouts = 0
  socket.on('timeout', () => timeouts++)
  socket.setTimeout(50)
  t.is(socket.timeout, 50)

  await sleep(300)
  t.is(timeouts, 1, 'once, however long the idle period lasts')

  socket.write('activity')
  await sleep(300)
  t.is(timeouts, 2, 'again after new activity')
})

test('timeouts of a millisecond or two also fire once per idle period, on many sockets', async (t) => {
  // Their checks can land in the same loop millisecond, where an idle time
  // that has not grown must not pass for new activity.
  const server = await listen(t, {}, (socket) => socket.resume())
  const sockets = []
  for (let i = 0; i < 40; i++) sockets.push(connect(t, server.address().port, '127.0.0.1'))
  await Promise.all(sockets.map((socket) => once(socket, 'connect')))

  const timeouts = sockets.map(() => 0)
  sockets.forEach((socket, i) => {
    socket.on('timeout', () => timeouts[i]++)
    socket.setTimeout(1 + (i % 2))
  })

  await sleep(300)
  t.alike(
    timeouts,
    sockets.map(() => 1),
    'one each'
  )

  sockets[0].write('activity')
  await sleep(300)
  t.is(timeouts[0], 2, 'and one more after new activity')
})

test('reads and writes keep pushing the timeout back', async (t) => {
  const server = await listen(t, {}, (socket) => socket.pipe(socket))
  const socket = connect(t, server.address().port, '127.0.0.1')
  socket.resume()
  await once(socket, 'connect')

  let timeouts = 0
  socket.setTimeout(150, () => timeouts++)

  for (let i = 0; i < 12; i++) {
    socket.write('ping')
    await sleep(25)
  }

  t.is(timeouts, 0, 'no timeout while traffic flows')

  await sleep(400)
  t.is(timeouts, 1, 'timeout once traffic stopped')
})

test('a write the peer takes slowly is activity while it makes progress, as in Node.js', async (t) => {
  // The peer reads a little every few milliseconds: one write of 8 MiB takes
  // far longer than the timeout to complete, but its queue keeps shrinking.
  const server = await listen(t, {}, (socket) => {
    socket.on('data', () => {
      socket.pause()
      setTimeout(() => socket.resume(), 5)
    })
  })
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  const events = []
  socket.setTimeout(200, () => events.push('timeout'))
  const written = new Promise((resolve) =>
    socket.write(Buffer.alloc(8 * 1024 * 1024), (err) => {
      events.push(err ? err.code : 'written')
      resolve()
    })
  )
  await written
  t.alike(events, ['written'], 'no timeout before the write completed')
  await once(socket, 'timeout')
  t.pass('and one once the socket is idle')
})

test("new Socket()'s timeout option starts the idle timer at once, as setTimeout() does", async (t) => {
  const socket = new tcp.Socket({ timeout: 50 })
  // The idle timer keeps nothing alive; this does, for the test.
  const alive = setTimeout(() => {}, 10000)
  t.teardown(() => {
    clearTimeout(alive)
    socket.destroy()
  })
  t.is(socket.timeout, 50)
  await once(socket, 'timeout')
  t.pass('a socket that never connected timed out')
})

test('setTimeout(0) disables the timeout and removes the listener', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  let timeouts = 0
  const ontimeout = () => timeouts++
  socket.setTimeout(30, ontimeout)
  socket.setTimeout(0, ontimeout)
  t.is(socket.timeout, 0)
  t.is(socket.listenerCount('timeout'), 0)

  await sleep(150)
  t.is(timeouts, 0)
})

test('a fractional timeout is taken as it is, as in Node.js', (t) => {
  const socket = new tcp.Socket()
  socket.setTimeout(1.5)
  t.is(socket.timeout, 1.5)
  socket.destroy()
})

test('a timeout while connecting or looking up is reported too', async (t) => {
  const socket = connect(t, 80, 'never.test', { timeout: 30, lookup() {} })

  // Socket timeouts do not keep the process alive, and nothing else does here.
  const alive = setTimeout(() => {}, 5000)
  let timeouts = 0
  socket.on('timeout', () => timeouts++)
  await once(socket, 'timeout')
  t.pass('timeout during a lookup that never answers')

  // Nothing happens while connecting, so there is no second idle period.
  await new Promise((resolve) => setTimeout(resolve, 200))
  clearTimeout(alive)
  t.is(timeouts, 1, 'once, not once per period')
})

test('the timeout does not destroy the socket', async (t) => {
  const server = await listen(t, {}, (socket) => socket.pipe(socket))
  const socket = connect(t, server.address().port, '127.0.0.1', { timeout: 30 })
  await once(socket, 'timeout')
  t.absent(socket.destroyed)

  socket.write('alive')
  const [data] = await once(socket, 'data')
  t.is(data.toString(), 'alive')
})

test('the connection, once made, counts as activity', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())
  const port = server.address().port

  // The lookup answers after 60 ms of the 100 ms period.
  const lookup = (host, opts, cb) => setTimeout(() => cb(null, '127.0.0.1', 4), 60)
  const socket = connect(t, port, 'slow.test', { lookup, timeout: 100 })

  let connectedAt = 0
  socket.on('connect', () => (connectedAt = Date.now()))
  await once(socket, 'timeout')

  t.ok(connectedAt > 0, 'connected first')
  const idle = Date.now() - connectedAt
  t.ok(idle >= 90, `a whole period after the connection (${idle} ms), not the rest of the first`)
})

test("a server's timeout option is each accepted socket's idle timeout", async (t) => {
  let accepted = null
  const server = await listen(t, { timeout: 100 }, (socket) => {
    accepted = socket
    socket.resume()
  })
  connect(t, server.address().port, '127.0.0.1')

  while (accepted === null) await sleep(5)
  t.is(accepted.timeout, 100)
  const start = Date.now()
  await once(accepted, 'timeout')
  t.ok(Date.now() - start >= 90, 'after its idle period')
  t.is(accepted.destroyed, false)
})

test('a socket that ends cleanly stops its idle timer: it is collected at once, not after the period', async (t) => {
  const result = await fixtureResult(t, 'idle-timer-gc.js', [100], { flags: ['--expose-gc'] })
  if (!result) return
  // The stream machinery may still hold the last socket or two for a job.
  t.ok(result.live <= 4, `${result.live} of ${result.sockets} closed sockets still reachable`)
})
