// The peer resets the connection in the middle of a transfer: while we
// write, while we read, and while a large write waits in the kernel. Each
// time the socket emits one error with a code, then 'close', nothing after;
// every write callback runs once; and no descriptor is left open.
//
// The peer resets by closing with data it never read in its receive
// buffer, which makes its kernel answer with RST instead of FIN.

const test = require('brittle')
const { listen, connect, once } = require('./helpers')
const { openDescriptors, sleep, tick } = require('./fixtures/support')

const RESET_CODES = ['ECONNRESET', 'EPIPE']

// Everything the socket emits, in order, and every write callback's result.
function watch(socket) {
  const log = { events: [], errors: [], writes: [], closedAt: -1 }
  for (const name of ['connect', 'end', 'finish', 'error', 'close']) {
    socket.on(name, (err) => {
      log.events.push(name)
      if (name === 'error') log.errors.push(err)
      if (name === 'close') log.closedAt = log.events.length
    })
  }
  log.onwrite = (err) => log.writes.push(err)
  return log
}

function checkEnding(t, log, written) {
  t.is(log.errors.length, 1, `exactly one error (${log.errors.map((err) => err.code)})`)
  const [err] = log.errors
  if (err) {
    t.ok(RESET_CODES.includes(err.code), `its code is ${err.code}`)
    t.is(typeof err.syscall, 'string', `syscall ${err.syscall}`)
  }
  t.is(log.events.filter((name) => name === 'close').length, 1, 'one close')
  t.is(log.events[log.events.length - 1], 'close', `close is last (${log.events.join(', ')})`)
  t.ok(log.events.indexOf('error') < log.events.indexOf('close'), 'error before close')
  t.is(
    log.writes.length,
    written,
    `every write callback ran once (${log.writes.length} of ${written})`
  )

  const firstError = log.writes.findIndex((err) => err !== null)
  if (firstError !== -1) {
    t.ok(
      log.writes.slice(firstError).every((err) => err !== null && typeof err.code === 'string'),
      'no write succeeds after one failed, and each failure has a code'
    )
  }
}

async function settle(server) {
  for (let i = 0; i < 100 && server.connections.size > 0; i++) await sleep(10)
  await tick()
}

test(
  'reset while we write: one error, then close, every write called back',
  { timeout: 60000 },
  async (t) => {
    let peer = null
    const server = await listen(t, {}, (socket) => {
      peer = socket
      socket.on('error', () => {})
      let seen = 0
      let paused = false
      socket.on('data', (data) => {
        seen += data.byteLength
        // Stop reading once data flows, then reset with data left unread.
        if (seen >= 1024 * 1024 && !paused) {
          paused = true
          socket.pause()
          setTimeout(() => socket.destroy(), 20)
        }
      })
    })
    // After the first handle: libuv keeps one spare descriptor per loop.
    const before = openDescriptors()

    const socket = connect(t, server.address().port, '127.0.0.1')
    const log = watch(socket)
    await once(socket, 'connect')

    const chunk = Buffer.alloc(64 * 1024, 0x61)
    let written = 0
    const closed = once(socket, 'close')
    let done = false
    closed.then(() => (done = true))

    // Bounded: at most 1 GiB, or until the socket gives up.
    while (!done && !socket.destroying && written < 16384) {
      written++
      if (!socket.write(chunk, log.onwrite)) {
        await Promise.race([once(socket, 'drain'), closed])
      }
    }

    await closed
    await tick()
    checkEnding(t, log, written)

    await settle(server)
    t.ok(peer)
    t.is(openDescriptors(), before, 'every descriptor opened since the server listened is closed')
  }
)

test('reset while we read: one read error, then close', { timeout: 60000 }, async (t) => {
  const server = await listen(t, { pauseOnConnect: true }, async (socket) => {
    socket.on('error', () => {})
    // The client's greeting stays unread, so destroying resets.
    const chunk = Buffer.alloc(64 * 1024, 0x62)
    for (let i = 0; i < 64 && !socket.destroying; i++) {
      if (!socket.write(chunk)) await once(socket, 'drain')
    }
    socket.destroy()
  })
  // After the first handle: libuv keeps one spare descriptor per loop.
  const before = openDescriptors()

  const socket = connect(t, server.address().port, '127.0.0.1')
  const log = watch(socket)
  socket.write('unread greeting', log.onwrite)

  let received = 0
  socket.on('data', (data) => (received += data.byteLength))

  await once(socket, 'close')
  await tick()

  t.ok(received > 0, `data flowed before the reset (${received} bytes)`)
  t.ok(log.errors.length <= 1, 'at most one error')
  if (log.errors.length === 0) {
    // The reset may arrive after the peer's data was read in full, as an
    // orderly end: then no error is owed, but end must come before close.
    t.ok(log.events.includes('end'), `ended without an error (${log.events.join(', ')})`)
  } else {
    checkEnding(t, log, 1)
  }

  await settle(server)
  t.is(openDescriptors(), before, 'every descriptor opened since the server listened is closed')
})

test(
  'reset while a large write is in flight: its callback gets the error',
  { timeout: 60000 },
  async (t) => {
    let peer = null
    const server = await listen(t, { pauseOnConnect: true }, (socket) => {
      peer = socket
      socket.on('error', () => {})
    })
    // After the first handle: libuv keeps one spare descriptor per loop.
    const before = openDescriptors()

    const socket = connect(t, server.address().port, '127.0.0.1')
    const log = watch(socket)
    socket.resume()
    await once(socket, 'connect')

    // Far more than the kernel buffers: most of it waits in the addon.
    socket.write(Buffer.alloc(32 * 1024 * 1024, 0x63), log.onwrite)
    socket.write('and a second chunk behind it', log.onwrite)
    await sleep(50)

    t.is(log.writes.length, 0, 'the large write is still in flight')
    peer.destroy()

    await once(socket, 'close')
    await tick()
    checkEnding(t, log, 2)
    t.ok(
      log.writes.every((err) => err !== null),
      'neither write reported success'
    )

    await settle(server)
    t.is(openDescriptors(), before, 'every descriptor opened since the server listened is closed')
  }
)

test(
  'reset of many connections at once, mid-transfer in both directions',
  { timeout: 60000 },
  async (t) => {
    const server = await listen(t, {}, (socket) => {
      socket.on('error', () => {})
      socket.pipe(socket)
      setTimeout(() => {
        socket.pause()
        setTimeout(() => socket.destroy(), 5)
      }, 30)
    })
    // After the first handle: libuv keeps one spare descriptor per loop.
    const before = openDescriptors()

    const sockets = []
    for (let i = 0; i < 32; i++) {
      const socket = connect(t, server.address().port, '127.0.0.1')
      const log = watch(socket)
      socket.resume()
      let count = 0
      const pump = () => {
        while (!socket.destroying && count < 4096) {
          count++
          if (!socket.write(Buffer.alloc(16 * 1024, i), log.onwrite))
            return socket.once('drain', pump)
        }
      }
      socket.once('connect', pump)
      sockets.push({ socket, log, closed: once(socket, 'close'), count: () => count })
    }

    for (const { closed } of sockets) await closed
    await tick()

    for (const { log, count } of sockets) {
      t.ok(log.errors.length <= 1, 'at most one error')
      for (const err of log.errors) t.ok(RESET_CODES.includes(err.code), err.code)
      t.is(log.writes.length, count(), 'every write called back')
      t.is(log.events[log.events.length - 1], 'close')
    }

    await settle(server)
    t.is(openDescriptors(), before, 'every descriptor opened since the server listened is closed')
  }
)
