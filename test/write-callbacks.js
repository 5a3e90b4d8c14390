// Write and end() callbacks: called once each, in the order of the writes,
// end()'s last, all before 'close'; with the error that kept the bytes from
// the peer when they never reached it. And what cork() and 'drain' promise
// around them.

const test = require('brittle')
const { tcp, listen, connect, collect, once } = require('./helpers')
const { fixtureResult } = require('./fixtures/support')

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// A client of `server`, once connected.
async function connected(t, server, opts = {}) {
  const client = connect(t, { port: server.address().port, host: '127.0.0.1', ...opts })
  await once(client, 'connect')
  return client
}

// A server whose connections read nothing until resumed, so that a large
// write stays in flight on the client.
async function stalledServer(t) {
  const accepted = []
  const server = await listen(t, { pauseOnConnect: true }, (socket) => accepted.push(socket))
  return { server, accepted }
}

test('a write made in the callback of a write in flight follows the writes queued before it', async (t) => {
  const { server, accepted } = await stalledServer(t)
  const client = await connected(t, server)

  client.write(Buffer.alloc(8 << 20, 'A'), () => {
    client.write(Buffer.alloc(1000, 'C'))
    client.end()
  })
  client.write(Buffer.alloc(1000, 'B'))

  while (accepted.length === 0) await sleep(5)
  const received = collect(accepted[0])
  await sleep(50)
  accepted[0].resume()

  const data = await received
  const order = []
  for (const byte of data) if (order[order.length - 1] !== byte) order.push(byte)
  t.is(String.fromCharCode(...order), 'ABC')
  t.is(data.length, (8 << 20) + 2000)
})

test('a write callback that throws skips neither the other callbacks nor any bytes', async (t) => {
  // In a process of its own: the callback's error is uncaught by design.
  const result = await fixtureResult(t, 'throwing-write-callback.js')
  if (!result) return

  t.alike(result.errors, ['callback failed', 'callback failed'], 'each throw is reported')
  for (const round of result.rounds) {
    t.alike(round.calls, ['write 2 ok', 'write 3 ok', 'write 4 ok', 'end ok'], round.mode)
    t.is(round.bytesWritten, result.total, round.mode + ': every byte written')
  }
  t.alike(result.received, [result.total, result.total], 'the peer received every byte')
})

test('writes cancelled by destroy() or a reset get SOCKET_IS_CLOSED or the reset, not ECANCELED', async (t) => {
  for (const how of ['destroy', 'reset']) {
    const { server, accepted } = await stalledServer(t)
    const client = await connected(t, server)

    const calls = []
    client.on('error', (err) => calls.push('error ' + err.code))
    client.write(Buffer.alloc(32 << 20), (err) => calls.push('in flight ' + err?.code))
    client.write(Buffer.alloc(1000), (err) => calls.push('queued ' + err?.code))
    client.end((err) => calls.push('end ' + err?.code))
    client.resume()

    await sleep(50)
    if (how === 'destroy') client.destroy()
    else accepted[0].resetAndDestroy()

    await once(client, 'close')
    const code = how === 'destroy' ? 'SOCKET_IS_CLOSED' : 'ECONNRESET'
    const expected = ['in flight ' + code, 'queued ' + code, 'end ' + code]
    t.alike(calls, how === 'destroy' ? expected : [...expected, 'error ECONNRESET'], how)
  }
})

test('every callback runs before close, in order, refused writes included', async (t) => {
  const { server } = await stalledServer(t)

  for (const how of ['end', 'destroy']) {
    const client = await connected(t, server)

    const calls = []
    const closed = once(client, 'close')
    client.on('error', () => {})
    client.on('close', () => calls.push('close'))
    client.write(Buffer.alloc(16 << 20), (err) => calls.push('write 1 ' + (err?.code || 'ok')))
    if (how === 'end') client.end((err) => calls.push('end ' + (err?.code || 'ok')))
    else client.destroy()
    client.write('late', (err) => calls.push('write 2 ' + err?.code))

    await sleep(50)
    client.destroy()
    await closed

    t.alike(
      calls,
      how === 'end'
        ? ['write 1 SOCKET_IS_CLOSED', 'write 2 WRITE_AFTER_END', 'end SOCKET_IS_CLOSED', 'close']
        : ['write 1 SOCKET_IS_CLOSED', 'write 2 SOCKET_IS_CLOSED', 'close'],
      how
    )
  }

  // A connect that fails: end()'s callback, then 'error', then 'close'.
  const port = server.address().port
  const closed = new Promise((resolve) => server.close(resolve))
  for (const socket of server.connections) socket.destroy()
  await closed
  const refused = connect(t, port, '127.0.0.1')
  const calls = []
  refused.end((err) => calls.push('end ' + err.code))
  refused.on('error', (err) => calls.push('error ' + err.code))
  refused.on('close', () => calls.push('close'))
  await once(refused, 'close')
  t.alike(calls, ['end ECONNREFUSED', 'error ECONNREFUSED', 'close'])
})

test('end() after end(): data is refused; after finish, its callback succeeds at once', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())
  const client = connect(t, server.address().port, '127.0.0.1')
  client.on('error', () => {})
  await once(client, 'connect')

  client.end('abc')
  const [late] = await new Promise((resolve) => client.end('d', (...args) => resolve(args)))
  t.is(late.code, 'WRITE_AFTER_END', 'end(data, cb) after end()')

  await once(client, 'finish')
  const [err] = await new Promise((resolve) => client.end((...args) => resolve(args)))
  t.is(err, null, 'end(cb) after finish')
  t.is(client.bytesWritten, 3)
})

test('a null or other falsy encoding is the default, as in Node.js', async (t) => {
  const server = await listen(t, {}, (socket) => socket.pipe(socket))
  const client = connect(t, server.address().port, '127.0.0.1')
  const echoed = collect(client)
  client.write('hé', null)
  client.write('1', '')
  client.write('2', false)
  client.write('3', 0)
  client.end('!', null)
  t.is((await echoed).toString(), 'hé123!')
})

test('cork() holds writes until uncork(); end() uncorks', async (t) => {
  const arrivals = []
  const start = Date.now()
  const server = await listen(t, {}, (socket) => {
    socket.on('data', (data) => arrivals.push([data.toString(), Date.now() - start]))
  })
  const client = await connected(t, server)

  const calls = []
  client.cork()
  client.write('a', () => calls.push('a'))
  client.write('b', () => calls.push('b'))
  await sleep(100)
  t.alike(arrivals, [], 'nothing sent while corked')
  t.alike(calls, [], 'nor called back')
  t.is(client.writableLength, 2)

  client.uncork()
  while (arrivals.length === 0) await sleep(5)
  t.is(arrivals[0][0], 'ab', 'sent together on uncork()')
  t.alike(calls, ['a', 'b'])

  client.cork()
  client.write('c')
  client.end('d')
  const [socket] = server.connections
  await once(socket, 'end')
  t.is(arrivals.map(([data]) => data).join(''), 'abcd', 'end() sent what cork() held')
})

test('an empty write made while corked is called back after uncork(), in order', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())
  const client = await connected(t, server)

  const calls = []
  client.cork()
  client.write('', () => calls.push('empty'))
  await sleep(50)
  t.alike(calls, [], 'held while corked')
  client.uncork()
  t.alike(calls, [], 'not from inside uncork()')
  await sleep(10)
  t.alike(calls, ['empty'], 'then called back')

  client.cork()
  client.write('x', () => calls.push('x'))
  client.write('', () => calls.push('empty after x'))
  await sleep(50)
  t.alike(calls, ['empty'], 'behind a corked write, held too')
  client.end(() => calls.push('end'))
  await once(client, 'finish')
  t.alike(
    calls,
    ['empty', 'x', 'empty after x', 'end'],
    'end() uncorks and calls them back in order'
  )
})

test('cork() past the high-water mark returns false, and uncork() brings one drain', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())
  const client = await connected(t, server)

  let drains = 0
  client.on('drain', () => drains++)
  client.cork()
  t.is(client.write(Buffer.alloc(1000)), true)
  t.is(client.write(Buffer.alloc(client.writableHighWaterMark)), false, 'over the high-water mark')
  client.uncork()
  t.is(drains, 0, "no 'drain' before uncork() returns")
  await sleep(50)
  t.is(drains, 1)
})

test('one backpressure episode brings one drain, whichever queue the writes waited in', async (t) => {
  const { server, accepted } = await stalledServer(t)
  const client = await connected(t, server)

  let drains = 0
  client.on('drain', () => drains++)
  t.is(client.write(Buffer.alloc(8 << 20)), false, 'left in flight')
  t.is(client.write(Buffer.alloc(10)), false, "a small one behind it too, while 'drain' is owed")
  t.is(client.write(Buffer.alloc(20000)), false, 'queued behind it')
  t.is(client.write(Buffer.alloc(20000)), false)

  while (accepted.length === 0) await sleep(5)
  accepted[0].resume()
  await once(client, 'drain')
  await sleep(100)
  t.is(drains, 1)
  t.is(client.writableLength, 0)
})

test('cork() after destroy() does nothing: writes are still refused at once', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())
  const client = await connected(t, server)

  client.destroy()
  client.cork()
  const errors = []
  t.is(
    client.write('x', (err) => errors.push(err && err.code)),
    false
  )
  client.uncork()
  await sleep(20)
  t.alike(errors, ['SOCKET_IS_CLOSED'])
})

test('cork() after end() holds nothing: everything written is sent and called back', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())

  for (const when of ['connected', 'before connect']) {
    const client = connect(t, server.address().port, '127.0.0.1')
    if (when === 'connected') await once(client, 'connect')

    const calls = []
    client.write('A', (err) => calls.push('A ' + err))
    client.write('B', (err) => calls.push('B ' + err))
    client.end((err) => calls.push('end ' + err))
    client.cork()
    await once(client, 'finish')
    t.alike(calls, ['A null', 'B null', 'end null'], when)
    t.is(client.bytesWritten, 2, when + ': both bytes sent')
  }
})

test("a write that returned false brings 'drain', whichever way the writes after it went", async (t) => {
  const { server, accepted } = await stalledServer(t)
  const client = await connected(t, server)

  let drains = 0
  client.on('drain', () => drains++)
  const calls = []
  t.is(
    client.write(Buffer.alloc(8 << 20), () => calls.push('big')),
    false
  )
  client.cork()
  client.write('x', () => calls.push('x'))
  client.write('', () => calls.push('empty'))

  while (accepted.length === 0) await sleep(5)
  accepted[0].resume()
  await sleep(100)
  client.uncork()
  await once(client, 'drain')
  t.alike(calls, ['big', 'x', 'empty'], 'the empty write in its place')
  await sleep(50)
  t.is(drains, 1)
})

test("end() callbacks come before 'finish' listeners; no 'drain' after end() or destroy()", async (t) => {
  const { server, accepted } = await stalledServer(t)
  const client = await connected(t, server)

  const order = []
  client.on('drain', () => order.push('drain'))
  client.on('finish', () => order.push('finish'))
  client.cork()
  t.is(client.write(Buffer.alloc(client.writableHighWaterMark)), false)
  client.end(() => order.push('end cb'))

  while (accepted.length === 0) await sleep(5)
  accepted[0].resume()
  await once(client, 'finish')
  t.alike(order, ['end cb', 'finish'])

  const other = await connected(t, server)
  let drained = false
  other.on('drain', () => (drained = true))
  other.on('error', () => {})
  t.is(
    other.write(Buffer.alloc(16 << 20), () => other.destroy()),
    false
  )
  while (accepted.length < 2) await sleep(5)
  accepted[1].resume()
  await once(other, 'close')
  t.absent(drained, "no 'drain' on a destroyed socket")
})

test('uncork() and end() call nothing back before they return; end() callbacks keep their order', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())
  const client = await connected(t, server)

  let inside = false
  let calledInside = false
  client.cork()
  client.write('a', () => (calledInside = calledInside || inside))
  inside = true
  client.uncork()
  inside = false
  t.absent(calledInside, 'not inside uncork()')
  await sleep(20)

  const calls = []
  const closed = once(client, 'close')
  client.end((err) => calls.push('end 1 ' + err?.code))
  client.destroy()
  client.end((err) => calls.push('end 2 ' + err?.code))
  await closed
  t.alike(calls, ['end 1 SOCKET_IS_CLOSED', 'end 2 SOCKET_IS_CLOSED'])
})

test('empty writes are called back in their place, and never succeed for a write that fails', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())
  const client = await connected(t, server)

  const calls = []
  client.write('a')
  client.write('b')
  client.write('', () => calls.push('empty'))
  client.write('c', () => calls.push('c'))
  await new Promise((resolve) => client.end(resolve))
  t.alike(calls, ['empty', 'c'])

  // Before the connection, and the connection fails.
  const port = server.address().port
  const closed = new Promise((resolve) => server.close(resolve))
  for (const socket of server.connections) socket.destroy()
  await closed
  const refused = connect(t, port, '127.0.0.1')
  refused.on('error', () => {})
  const results = []
  refused.write('', (err) => results.push('empty ' + err?.code))
  refused.write('x', (err) => results.push('x ' + err?.code))
  await once(refused, 'close')
  t.alike(results, ['empty ECONNREFUSED', 'x ECONNREFUSED'])
})

test('end(data, cb) after the socket finished or closed is refused', async (t) => {
  const server = await listen(t, {}, (socket) => {
    socket.resume()
    socket.end()
  })
  const client = connect(t, server.address().port, '127.0.0.1')
  client.resume()
  client.end()
  await once(client, 'close')

  const [err] = await new Promise((resolve) => client.end('late', (...args) => resolve(args)))
  t.is(err.code, 'WRITE_AFTER_END')
})

test("while 'drain' is owed, every write returns false, on every path", async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())
  const client = await connected(t, server)

  client.cork()
  t.is(client.write(Buffer.alloc(70000)), false, 'held past the high-water mark')
  client.uncork()
  t.is(client.write('x'), false, 'the next write, drain still owed')
  await once(client, 'drain')
  await sleep(10)
  t.is(client.write('y'), true, 'after drain')
})

test("a full buffer flushed at once still says false while 'drain' is owed", async (t) => {
  const received = []
  const server = await listen(t, {}, (socket) => socket.on('data', (data) => received.push(data)))
  const client = await connected(t, server, { writableHighWaterMark: 100 })

  let drains = 0
  client.on('drain', () => drains++)
  const chunk = Buffer.alloc(150, 'x')
  client.cork()
  t.is(client.write(chunk), false, 'held past the mark')
  client.uncork()
  t.is(client.write(chunk), false)
  t.is(client.write(chunk), false, 'past the mark, flushed during write(), drain still owed')
  t.is(client.write(chunk), false)

  await once(client, 'drain')
  await sleep(20)
  t.is(drains, 1)
  t.is(Buffer.concat(received).length, 600)
})

test("writes through the stream's queue say false until its 'drain', though its batch left the queue", async (t) => {
  let peer = null
  const server = await listen(t, { pauseOnConnect: true }, (socket) => (peer = socket))
  const client = await connected(t, server)
  while (peer === null) await sleep(5)

  let drains = 0
  client.on('drain', () => drains++)
  const big = 8 << 20
  t.is(client.write(Buffer.alloc(big)), false, 'left in flight')
  t.is(client.write(Buffer.alloc(70000)), false, 'queued past the mark')
  await sleep(20) // the stream hands its queue over as one batch
  t.is(client.writableLength > client.writableHighWaterMark, true, 'all of it still waiting')
  t.is(client.write(Buffer.alloc(10)), false, 'drain still owed')
  t.is(client.write(Buffer.alloc(0)), false, 'an empty write too')

  let received = 0
  peer.on('data', (data) => (received += data.byteLength))
  peer.resume()
  await once(client, 'drain')
  const deadline = Date.now() + 10000
  while (received < big + 70010 && Date.now() < deadline) await sleep(10)
  t.is(received, big + 70010)
  t.is(drains, 1)
  t.is(client.write('y'), true, 'after drain')
})

test("a false write() with no 'drain' listener yet does not leave write() false for good", async (t) => {
  let peer = null
  const server = await listen(t, { pauseOnConnect: true }, (socket) => (peer = socket))

  // Before the connection, the write waits in the stream's queue.
  const early = connect(t, server.address().port, '127.0.0.1')
  t.is(early.write(Buffer.alloc(100000)), false)
  await once(early, 'connect')
  while (peer === null) await sleep(5)
  peer.resume()
  let deadline = Date.now() + 5000
  while (early.writableLength > 0 && Date.now() < deadline) await sleep(5)
  t.is(early.write('x'), true, 'everything was sent: nothing is owed')

  // Connected: a write queued behind one in flight.
  peer = null
  const client = await connected(t, server)
  while (peer === null) await sleep(5)
  t.is(client.write(Buffer.alloc(8 << 20)), false)
  t.is(client.write(Buffer.alloc(8 << 20)), false)
  peer.resume()
  deadline = Date.now() + 10000
  while (client.writableLength > 0 && Date.now() < deadline) await sleep(5)
  t.is(client.writableLength, 0)
  t.is(client.write('x'), true)
})

test('bytes in flight count against the mark; writableLength counts a batch waiting behind them', async (t) => {
  const peers = []
  const server = await listen(t, { pauseOnConnect: true, recvBufferSize: 4096 }, (socket) =>
    peers.push(socket)
  )
  const client = await connected(t, server, { sendBufferSize: 4096 })
  while (peers.length === 0) await sleep(5)
  const peer = peers[0]

  let drains = 0
  client.on('drain', () => drains++)
  client.write(Buffer.alloc(60 * 1024))
  await sleep(20) // a later turn
  const chunk = Buffer.alloc(60 * 1024)
  const answers = []
  for (let i = 0; i < 3; i++) {
    const answer = client.write(chunk)
    answers.push(answer)
    if (!answer) break
    t.ok(client.writableLength < client.writableHighWaterMark, 'true only under the mark')
  }
  t.ok(answers.length <= 2 && answers[answers.length - 1] === false, 'false by the second write')

  const big = connect(t, server.address().port, '127.0.0.1')
  await once(big, 'connect')
  big.write(Buffer.alloc(16 << 20))
  const before = big.writableLength
  big.write(Buffer.alloc(1000))
  await sleep(50) // the stream hands the 1000 bytes over as a batch, which waits
  t.is(big.writableLength - before, 1000, 'the waiting batch is still counted')

  peer.resume()
  await once(client, 'drain')
  t.is(drains, 1)
})

test('writableLength is 0 once the socket is destroyed, as nothing left will be sent', async (t) => {
  const socket = connect(t, 1, '127.0.0.1')
  socket.on('error', () => {})
  socket.write(Buffer.alloc(70000), () => {})
  t.is(socket.writableLength, 70000, 'waiting for the connection')
  await once(socket, 'close')
  t.is(socket.writableLength, 0)
})

test('the high-water mark getters keep their values after the end and destroy()', async (t) => {
  const server = await listen(t, {}, (socket) => socket.end())
  for (const opts of [{}, { readableHighWaterMark: 5000, writableHighWaterMark: 6000 }]) {
    const client = await connected(t, server, opts)
    const marks = () => [client.readableHighWaterMark, client.writableHighWaterMark]
    const expected = marks()
    client.resume()
    await once(client, 'end')
    t.alike(marks(), expected, 'after the end')
    client.destroy()
    t.alike(marks(), expected, 'after destroy()')
  }
})

test('writes made by callbacks that a destroy() fails, and after close, are called back too', async (t) => {
  const { server } = await stalledServer(t)
  const client = await connected(t, server)

  const calls = []
  let closed = false
  const note = (name) => (err) => calls.push(`${name} ${err?.code}${closed ? ' after close' : ''}`)
  client.on('error', () => {})

  client.write(Buffer.alloc(8 << 20), note('big'))
  client.write('a', (err) => {
    note('a')(err)
    client.write('b', note('b'))
    client.end('c', note('end c'))
  })
  client.destroy()

  await once(client, 'close')
  closed = true
  client.write('d', note('d'))
  await sleep(20)

  t.alike(calls, [
    'big SOCKET_IS_CLOSED',
    'a SOCKET_IS_CLOSED',
    'b SOCKET_IS_CLOSED',
    'end c SOCKET_IS_CLOSED',
    'd SOCKET_IS_CLOSED after close'
  ])
})

test("a refused end(data, cb) is called back after the end's own callbacks, in the order made", async (t) => {
  const server = await listen(t, {}, (socket) => {
    socket.resume()
    socket.on('end', () => socket.end())
  })
  const client = await connected(t, server)

  const order = []
  client.end('b', (err) => order.push(['first end', err && err.code]))
  client.end('c', (err) => order.push(['refused end', err && err.code]))
  client.end((err) => order.push(['bare end', err && err.code]))
  await once(client, 'close')
  t.alike(order, [
    ['first end', null],
    ['refused end', 'WRITE_AFTER_END'],
    ['bare end', null]
  ])
})

test("writableLength counts a batch queued behind a write in flight, also in that write's callback", async (t) => {
  let peer = null
  const server = await listen(t, { pauseOnConnect: true }, (socket) => {
    socket.on('error', () => {})
    peer = socket
  })
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')
  while (peer === null) await new Promise((resolve) => setTimeout(resolve, 1))

  const size = 8 << 20
  const lengths = []
  const done = new Promise((resolve) => {
    socket.write(Buffer.alloc(size, 1), () => lengths.push(socket.writableLength))
    socket.write(Buffer.alloc(size, 2), resolve)
  })
  setTimeout(() => peer.resume(), 100)
  await done

  t.is(lengths.length, 1)
  t.ok(lengths[0] >= size, 'the second write had not reached the kernel: ' + lengths[0])
  socket.end()
  peer.end()
  await once(socket, 'close')
})

test('destroy(): the callbacks of writes it flushes come after it returns, and a write made in one is refused', async (t) => {
  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
    socket.resume()
  })
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  const log = []
  let inDestroy = false
  const late = new Promise((resolve) => {
    socket.write('a')
    socket.write(Buffer.alloc(1000), (err) => {
      log.push('callback ' + (err ? err.code : 'ok') + (inDestroy ? ' inside destroy()' : ''))
      log.push('write() ' + socket.write('late', (err) => resolve(err)))
    })
  })
  inDestroy = true
  socket.destroy()
  inDestroy = false

  const err = await late
  t.alike(log, ['callback ok', 'write() false'])
  t.is(err.code, 'SOCKET_IS_CLOSED')
  await once(socket, 'close')
})

test("end() while a write is in flight: every write callback, then end()'s, then 'finish' with nothing left", async (t) => {
  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
    socket.resume()
    socket.on('end', () => socket.end())
  })

  // A small send buffer leaves the last batch partly in flight when end()
  // comes; libuv may then call back the shutdown before that write.
  for (let round = 0; round < 10; round++) {
    const log = []
    const callback = (name) => (err) => log.push(name + ' ' + (err ? err.code : 'ok'))
    const socket = connect(t, server.address().port, '127.0.0.1')
    await once(socket, 'connect')
    socket.setSendBufferSize(4096)

    const ended = new Promise((resolve) => {
      socket.write(Buffer.alloc(163566), () => {
        socket.write(Buffer.alloc(100), callback('write 1'))
        socket.write(Buffer.alloc(15), callback('write 2'))
        socket.write(Buffer.alloc(80000), callback('write 3'))
        socket.end(callback('end'))
      })
      socket.on('finish', () => {
        log.push('finish ' + socket.writableLength)
        resolve()
      })
    })
    await ended
    await once(socket, 'close')

    t.alike(log, ['write 1 ok', 'write 2 ok', 'write 3 ok', 'end ok', 'finish 0'], 'round ' + round)
  }
})

test("callbacks of writes made before the connection come after 'connect', as in Node.js", async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())
  const socket = connect(t, server.address().port, '127.0.0.1')

  const order = []
  socket.on('connect', () => order.push('connect'))
  socket.write('early', (err) => order.push(err ? err.code : 'write'))
  socket.write('later', (err) => order.push(err ? err.code : 'write'))
  await once(socket, 'connect')
  while (order.length < 3) await new Promise((resolve) => setTimeout(resolve, 5))

  t.alike(order, ['connect', 'write', 'write'])
})
