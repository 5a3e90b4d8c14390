// destroy() in the states test/destroy.js does not reach: during a large
// batch of queued writes, while ending, after either side ended, from inside
// every other event and callback, with an error in each phase of a connect,
// and on the server side. Each time: exactly one 'close' and nothing after
// it, 'error' only when destroy() was given one, every write and end
// callback called once (an error for anything not handed to the kernel), and
// every descriptor closed.

const test = require('brittle')
const { tcp, listen, connect, once } = require('./helpers')
const { openDescriptors, sleep, tick } = require('./fixtures/support')

function track(socket) {
  const log = { events: [], errors: [], writes: [] }
  for (const name of [
    'lookup',
    'connectionAttempt',
    'connect',
    'data',
    'end',
    'drain',
    'finish',
    'timeout',
    'error',
    'close'
  ]) {
    socket.on(name, (arg) => {
      if (name === 'data' && log.events[log.events.length - 1] === 'data') return
      log.events.push(name)
      if (name === 'error') log.errors.push(arg)
    })
  }
  log.onwrite = (err) => log.writes.push(err)
  return log
}

// Waits for 'close' and a little beyond, then checks what every destroyed
// socket owes.
async function ended(t, socket, log, { error = null, writes = 0 } = {}) {
  if (!log.events.includes('close')) await once(socket, 'close')
  await sleep(20)

  t.is(log.events.filter((name) => name === 'close').length, 1, 'one close')
  t.is(log.events[log.events.length - 1], 'close', `nothing after close (${log.events.join(', ')})`)

  if (error) {
    t.is(log.errors.length, 1, 'one error')
    t.is(log.errors[0], error, 'the error given to destroy()')
  } else {
    t.is(log.errors.length, 0, `no error (${log.errors.map((err) => err.code || err.message)})`)
  }

  t.is(
    log.writes.length,
    writes,
    `every write callback ran once (${log.writes.length} of ${writes})`
  )
  for (const err of log.writes)
    if (err) t.is(typeof err.code, 'string', `write failed with ${err.code}`)
}

// The server's side of each connection is the test's own peer: closed
// here, so that what is left open can only be the client's.
async function noneOpenSince(t, before, server) {
  if (server) for (const socket of server.connections) socket.destroy()
  for (let i = 0; i < 100 && server && server.connections.size > 0; i++) await sleep(10)
  t.is(openDescriptors(), before, 'no descriptor left open')
}

// An echo server whose side ignores the resets these tests cause.
function echoServer(t) {
  return listen(t, {}, (socket) => {
    socket.on('error', () => {})
    socket.pipe(socket)
  })
}

test('destroy with a large batch of writes queued: each callback once, an error for every unsent chunk', async (t) => {
  const server = await listen(t, { pauseOnConnect: true }, (socket) => socket.on('error', () => {}))
  const before = openDescriptors()

  const socket = connect(t, server.address().port, '127.0.0.1')
  const log = track(socket)
  await once(socket, 'connect')

  const count = 256
  for (let i = 0; i < count; i++) socket.write(Buffer.alloc(256 * 1024, i), log.onwrite)
  await sleep(20)

  socket.destroy()
  await ended(t, socket, log, { writes: count })

  const firstError = log.writes.findIndex((err) => err !== null)
  t.ok(
    firstError !== -1,
    `the kernel could not take all ${count * 256} KiB (${firstError} chunks did)`
  )
  t.ok(
    log.writes.slice(firstError).every((err) => err !== null),
    'nothing succeeded after the first failure'
  )
  await noneOpenSince(t, before, server)
})

test('destroy while ending: the end callback gets an error, no finish', async (t) => {
  const server = await listen(t, { pauseOnConnect: true }, (socket) => socket.on('error', () => {}))
  const before = openDescriptors()

  const socket = connect(t, server.address().port, '127.0.0.1')
  const log = track(socket)
  await once(socket, 'connect')

  socket.write(Buffer.alloc(16 * 1024 * 1024), log.onwrite)
  let ending = 'pending'
  socket.end((err) => (ending = err))
  await sleep(20)

  t.is(ending, 'pending', 'still ending')
  socket.destroy()
  await ended(t, socket, log, { writes: 1 })

  t.ok(
    ending instanceof Error && typeof ending.code === 'string',
    `end callback got ${ending && ending.code}`
  )
  t.absent(log.events.includes('finish'), 'no finish')
  await noneOpenSince(t, before, server)
})

test('destroy after our end finished, while the peer still sends', async (t) => {
  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
    const timer = setInterval(() => socket.write('more'), 5)
    socket.on('close', () => clearInterval(timer))
  })
  const before = openDescriptors()

  const socket = connect(t, server.address().port, '127.0.0.1')
  const log = track(socket)
  socket.end('bye')
  await once(socket, 'finish')
  await once(socket, 'data')

  t.is(socket.readyState, 'readOnly')
  socket.destroy()
  await ended(t, socket, log)
  await noneOpenSince(t, before, server)
})

test('destroy after the peer ended, while we may still write', async (t) => {
  const server = await listen(t, {}, (socket) => socket.end('only this'))
  const before = openDescriptors()

  const socket = connect(t, server.address().port, '127.0.0.1')
  const log = track(socket)
  socket.resume()
  await once(socket, 'end')

  t.is(socket.readyState, 'writeOnly')
  socket.write('late', log.onwrite)
  socket.destroy()
  await ended(t, socket, log, { writes: 1 })
  await noneOpenSince(t, before, server)
})

test('destroy while paused with unread data in the kernel', async (t) => {
  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
    socket.write(Buffer.alloc(4 * 1024 * 1024, 1))
  })
  const before = openDescriptors()

  const socket = connect(t, server.address().port, '127.0.0.1', { eagerOpen: true })
  const log = track(socket)
  await once(socket, 'connect')
  await sleep(30)

  socket.destroy()
  await ended(t, socket, log)
  await noneOpenSince(t, before, server)
})

for (const where of [
  'finish',
  'write callback',
  'end callback',
  'close',
  'error',
  'timeout',
  'lookup',
  'connectionAttempt'
]) {
  test(`destroy from inside ${where}`, async (t) => {
    const server = await echoServer(t)
    const { port } = server.address()
    const before = openDescriptors()

    const viaLookup = where === 'lookup' || where === 'connectionAttempt'
    const socket = viaLookup
      ? connect(t, port, 'name.test', {
          lookup: (host, opts, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }])
        })
      : connect(t, port, '127.0.0.1')
    const log = track(socket)
    socket.resume()

    const boom = new Error('destroyed on purpose')
    let writes = 0
    let error = null

    if (where === 'finish') {
      socket.on('finish', () => socket.destroy())
      socket.end('x')
    } else if (where === 'write callback') {
      writes = 2
      socket.write('x', (err) => {
        log.onwrite(err)
        socket.destroy()
      })
      socket.write(Buffer.alloc(8 * 1024 * 1024), log.onwrite)
    } else if (where === 'end callback') {
      socket.end('x', () => socket.destroy())
    } else if (where === 'close') {
      socket.on('close', () => socket.destroy())
      socket.destroy()
    } else if (where === 'error') {
      error = boom
      socket.on('error', () => {
        socket.destroy()
        socket.destroy(new Error('a second error, never emitted'))
      })
      socket.once('connect', () => socket.destroy(boom))
    } else if (where === 'timeout') {
      socket.setTimeout(20, () => socket.destroy())
    } else {
      socket.on(where, () => socket.destroy())
    }

    await ended(t, socket, log, { error, writes })
    if (viaLookup) t.absent(log.events.includes('connect'), 'never connected')
    await noneOpenSince(t, before, server)
  })
}

test('destroy(err) in every phase of a connect: that error, then close, never connect', async (t) => {
  const server = await echoServer(t)
  const { port } = server.address()
  const before = openDescriptors()

  const phases = {
    'before connect()': (socket, boom) => socket.destroy(boom),
    'during the lookup': (socket, boom) => setTimeout(() => socket.destroy(boom), 5),
    'while connecting': (socket, boom) =>
      socket.once('connectionAttempt', () => queueMicrotask(() => socket.destroy(boom)))
  }

  for (const [phase, act] of Object.entries(phases)) {
    const socket = new tcp.Socket()
    t.teardown(() => socket.destroy())
    const log = track(socket)
    const boom = new Error(phase)

    if (phase === 'before connect()') {
      act(socket, boom)
      try {
        socket.connect(port, '127.0.0.1')
        t.fail('connect() after destroy() did not throw')
      } catch (err) {
        t.is(err.code, 'SOCKET_IS_CLOSED', 'connect() after destroy() throws')
      }
    } else if (phase === 'during the lookup') {
      socket.connect(port, 'slow.test', { lookup: () => {} })
      act(socket, boom)
    } else {
      // For an IP literal the attempt starts inside connect().
      act(socket, boom)
      socket.connect(port, '127.0.0.1')
    }

    await ended(t, socket, log, { error: boom })
    t.absent(log.events.includes('connect'), `${phase}: never connected`)
  }

  await noneOpenSince(t, before, server)
})

test('writes queued before the connection get SOCKET_IS_CLOSED when destroyed while connecting', async (t) => {
  const server = await echoServer(t)
  const before = openDescriptors()

  const socket = connect(t, server.address().port, '127.0.0.1')
  const log = track(socket)
  socket.write('one', log.onwrite)
  socket.write('two', log.onwrite)
  let ending = 'pending'
  socket.end('three', (err) => (ending = err))
  socket.destroy()

  // 'three' rides on end() and has no write callback of its own.
  await ended(t, socket, log, { writes: 2 })
  t.ok(
    log.writes.every((err) => err && err.code === 'SOCKET_IS_CLOSED'),
    `${log.writes.map((err) => err && err.code)}`
  )
  t.ok(ending instanceof Error, 'the end callback got an error')
  await noneOpenSince(t, before, server)
})

test('destroy twice with two errors: only the first is emitted', async (t) => {
  const server = await echoServer(t)
  const socket = connect(t, server.address().port, '127.0.0.1')
  const log = track(socket)
  await once(socket, 'connect')

  const first = new Error('first')
  socket.destroy(first)
  socket.destroy(new Error('second'))
  socket.destroy()

  await ended(t, socket, log, { error: first })
})

test('the server side: destroy inside connection, close the server inside connection', async (t) => {
  const before = openDescriptors()

  const destroying = await listen(t, {}, (socket) => socket.destroy())
  const a = connect(t, destroying.address().port, '127.0.0.1')
  const logA = track(a)
  a.resume()
  a.on('end', () => a.end())
  await once(a, 'close')
  t.ok(
    logA.errors.every((err) => typeof err.code === 'string'),
    'the client saw at most a reset, with a code'
  )

  let closedServer = false
  const closing = await listen(t, {}, (socket) => {
    closing.close(() => (closedServer = true))
    socket.end('last one')
  })
  const b = connect(t, closing.address().port, '127.0.0.1')
  b.resume()
  b.on('end', () => b.end())
  await once(b, 'close')
  for (let i = 0; i < 100 && !closedServer; i++) await sleep(10)
  t.ok(closedServer, 'the server closed once its last connection did')

  await new Promise((resolve) => destroying.close(resolve))
  await sleep(20)
  t.is(openDescriptors(), before, 'no descriptor left open')
})

test('destroy a socket that never connected, and a server that never listened', async (t) => {
  const socket = new tcp.Socket()
  const log = track(socket)
  socket.write('never sent', log.onwrite)
  socket.destroy()
  await ended(t, socket, log, { writes: 1 })

  const server = tcp.createServer()
  const err = await new Promise((resolve) => server.close(resolve))
  t.is(err && err.code, 'SERVER_IS_CLOSED')
})
