const test = require('brittle')
const { tcp, listen, connect, once } = require('./helpers')

const { Writable } = require('bare-stream')

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

test(
  'write returns false when the peer does not read, then drain follows',
  { timeout: 60000 },
  async (t) => {
    let peer = null
    const server = await listen(t, { pauseOnConnect: true }, (socket) => (peer = socket))
    const socket = connect(t, server.address().port, '127.0.0.1')
    await once(socket, 'connect')

    // Small chunks: write() only reports a full buffer once the kernel stops
    // taking data, because the peer does not read.
    const chunk = Buffer.alloc(1024, 7)
    let written = 0
    let full = false

    while (!full && written < 256 * 1024 * 1024) {
      full = !socket.write(chunk)
      written += chunk.byteLength
      if (written % (8 * 1024) === 0) await new Promise((resolve) => setImmediate(resolve))
    }

    t.ok(full, `write returned false after ${written} bytes`)
    t.ok(written > 64 * 1024, 'the kernel took data before the stream reported full')

    let drained = false
    socket.once('drain', () => (drained = true))
    await new Promise((resolve) => setTimeout(resolve, 100))
    t.absent(drained, 'no drain while the peer does not read')

    let received = 0
    peer.on('data', (data) => (received += data.byteLength))
    const ended = once(peer, 'end')
    peer.resume()

    while (!drained) await new Promise((resolve) => setTimeout(resolve, 10))
    t.pass('drain emitted once the peer read')

    socket.end()
    await ended
    t.is(received, written, 'every byte arrived')
  }
)

test(
  'a paused reader stops reading from the kernel and resumes without loss',
  { timeout: 60000 },
  async (t) => {
    const total = 8 * 1024 * 1024

    const server = await listen(t, {}, async (socket) => {
      const chunk = Buffer.alloc(256 * 1024, 3)
      for (let sent = 0; sent < total; sent += chunk.byteLength) {
        if (!socket.write(chunk)) await once(socket, 'drain')
      }
      socket.end()
    })

    const socket = connect(t, server.address().port, '127.0.0.1')
    socket.pause()

    // Nothing consumes for a while: the stream buffers up to its high water
    // mark, then stops reading, leaving the rest in the kernel.
    await new Promise((resolve) => setTimeout(resolve, 200))
    t.ok(
      socket._readableState.buffered < total,
      `buffered ${socket._readableState.buffered} bytes while paused`
    )

    let received = 0
    socket.on('data', (data) => (received += data.byteLength))
    socket.resume()

    await once(socket, 'end')
    t.is(received, total)
  }
)

test('a paused socket holds at most one read past its readable high-water mark', async (t) => {
  const server = await listen(t, {}, (socket) => socket.write(Buffer.alloc(8 << 20, 0x61)))

  for (const opts of [
    { readableHighWaterMark: 0, readBufferSize: 4096 },
    { readableHighWaterMark: 1000, readBufferSize: 4096 },
    {},
    { encoding: 'utf8' }
  ]) {
    const { encoding, ...socketOpts } = opts
    const socket = connect(t, { port: server.address().port, host: '127.0.0.1', ...socketOpts })
    if (encoding) socket.setEncoding(encoding) // strings count their characters
    // Just after it started reading (paused in its 'connect' listener, as in
    // Node.js, it would not read at all).
    socket.on('connect', () => queueMicrotask(() => socket.pause()))
    await sleep(300)

    const mark = socket.readableHighWaterMark
    const read = opts.readBufferSize || 65536
    t.ok(socket.bytesRead > 0, 'it read')
    t.ok(
      socket.bytesRead <= mark + read,
      `${socket.bytesRead} bytes read, mark ${mark}, reads of ${read}: the rest waits in the kernel`
    )

    let received = 0
    socket.on('data', (data) => (received += data.length))
    socket.resume()
    const deadline = Date.now() + 10000
    while (received < 8 << 20 && Date.now() < deadline) await sleep(10)
    t.is(received, 8 << 20, 'all of it once resumed')
    socket.destroy()
  }
})

test('a socket paused while data flows holds at most one read past its mark from the next wake-up on', async (t) => {
  // 1 MiB in slow steps of 64 KiB, one read per wake-up, then 63 MiB at once.
  const step = 65536
  const total = 64 << 20
  const server = await listen(t, {}, async (socket) => {
    for (let sent = 0; sent < 1 << 20; sent += step) {
      socket.write(Buffer.alloc(step, 0x62))
      await sleep(5)
    }
    await sleep(50)
    const chunk = Buffer.alloc(1 << 20, 0x63)
    for (let sent = 1 << 20; sent < total && !socket.destroyed; sent += chunk.byteLength) {
      if (!socket.write(chunk)) await once(socket, 'drain')
    }
    socket.end()
  })

  // The pipe's mark is above a read's size: at 16 KiB every read fills the
  // queue, and reading stops at each.
  for (const [where, readableHighWaterMark] of [
    ['timer', 16384],
    ['data', 16384],
    ['microtask', 16384],
    ['pipe', 262144]
  ]) {
    const socket = connect(t, {
      port: server.address().port,
      host: '127.0.0.1',
      readableHighWaterMark
    })
    let received = 0
    let taken = -1
    let stalled = null
    const pause = () => {
      if (taken !== -1) return
      if (where !== 'pipe') socket.pause()
      taken = socket.bytesRead
    }

    // A pipe's destination that stops taking data is a pause too, and it
    // holds one read more in its own queue.
    let slack = 0
    if (where === 'pipe') {
      const sink = new Writable({
        write(data, encoding, cb) {
          received += data.byteLength
          if (taken === -1 && received >= 1 << 20) {
            pause()
            stalled = cb
          } else {
            cb(null)
          }
        }
      })
      slack = sink._writableState.highWaterMark + step
      socket.pipe(sink)
    } else {
      socket.on('data', (data) => {
        received += data.byteLength
        if (taken !== -1 || received < 1 << 20) return
        if (where === 'data') pause()
        // Later in the same batch, after this read's answer was given.
        if (where === 'microtask') queueMicrotask(pause)
      })
    }

    if (where === 'timer') {
      while (received < 1 << 20) await sleep(1)
      pause()
    }
    while (taken === -1) await sleep(1)

    await sleep(300)
    const held = socket.bytesRead - taken
    t.ok(
      held <= socket.readableHighWaterMark + step + slack,
      `paused from ${where}: ${held} bytes read since (mark ${socket.readableHighWaterMark}, reads of ${step})`
    )
    t.ok(received < total, 'the rest waits in the kernel')

    const ended = once(socket, 'end')
    if (stalled) stalled(null)
    else socket.resume()
    await ended
    t.is(received, total, 'all of it once resumed')
  }
})

test("a pause from a microtask or from another socket's listener holds, however many reads the socket had in that wake-up", async (t) => {
  // 32 MiB at once: each wake-up hands a socket dozens of reads, all
  // answered "read on" before the pause comes.
  const total = 32 << 20
  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
    socket.end(Buffer.alloc(total, 0x64))
  })
  const port = server.address().port

  for (const where of ['microtask', 'other socket']) {
    const sockets = [0, 1].map(() => connect(t, { port, host: '127.0.0.1' }))
    const ended = sockets.map((socket) => once(socket, 'end'))
    const received = [0, 0]
    // Reads of each socket in the batch being handed out (its later reads
    // come in microtasks of the same call).
    const inBatch = [0, 0]
    let paused = null
    let taken = -1

    sockets.forEach((socket, i) => {
      socket.on('data', (data) => {
        received[i] += data.byteLength
        if (inBatch[i]++ === 0) setImmediate(() => (inBatch[i] = 0))
        if (paused !== null || received[i] < 1 << 20) return

        if (where === 'microtask' && i === 0) {
          paused = socket
          queueMicrotask(() => {
            socket.pause()
            taken = socket.bytesRead
          })
        } else if (where === 'other socket' && inBatch[1 - i] >= 2) {
          paused = sockets[1 - i]
          paused.pause()
          taken = paused.bytesRead
        }
      })
    })

    const deadline = Date.now() + 10000
    while (taken === -1 && Date.now() < deadline) await sleep(1)
    t.not(taken, -1, `paused from ${where}`)
    await sleep(300)

    const held = paused.bytesRead - taken
    t.ok(
      held <= paused.readableHighWaterMark + 65536,
      `paused from ${where}: ${held} bytes read since (mark ${paused.readableHighWaterMark}, reads of 65536)`
    )

    paused.resume()
    await Promise.all(ended)
    t.alike(received, [total, total], 'all of it once resumed')
  }
})

test('high-water marks: 64 KiB for writes and 16 KiB for reads unless set, per socket or per server', async (t) => {
  const plain = new tcp.Socket()
  t.is(plain.writableHighWaterMark, 65536)
  t.is(plain.readableHighWaterMark, 16384)

  const each = new tcp.Socket({ readableHighWaterMark: 5, writableHighWaterMark: 6 })
  t.is(each.readableHighWaterMark, 5)
  t.is(each.writableHighWaterMark, 6)

  const both = new tcp.Socket({
    highWaterMark: 1000,
    readableHighWaterMark: 5,
    writableHighWaterMark: 6
  })
  t.is(both.readableHighWaterMark, 1000, 'highWaterMark wins, as in Node.js')
  t.is(both.writableHighWaterMark, 1000)

  const none = new tcp.Socket({ highWaterMark: 0 })
  t.is(none.readableHighWaterMark, 1, 'read as 1')
  t.is(none.writableHighWaterMark, 0)

  for (const socket of [plain, each, both, none]) socket.destroy()

  let accepted = null
  const server = await listen(t, { highWaterMark: 2048 }, (socket) => (accepted = socket))
  const client = connect(t, {
    port: server.address().port,
    host: '127.0.0.1',
    writableHighWaterMark: 4096
  })
  await once(client, 'connect')
  while (accepted === null) await sleep(5)

  t.is(client.writableHighWaterMark, 4096)
  t.is(client.readableHighWaterMark, 16384)
  t.is(accepted.writableHighWaterMark, 2048)
  t.is(accepted.readableHighWaterMark, 2048)

  let sided = null
  const perSide = await listen(
    t,
    { readableHighWaterMark: 100, writableHighWaterMark: 200 },
    (socket) => (sided = socket)
  )
  const other = connect(t, perSide.address().port, '127.0.0.1')
  await once(other, 'connect')
  while (sided === null) await sleep(5)

  t.is(sided.readableHighWaterMark, 100, "a server's per-side marks reach its sockets")
  t.is(sided.writableHighWaterMark, 200)
})

test('write() returns false at the writable high-water mark, in every queue, and drain follows', async (t) => {
  const received = []
  const server = await listen(t, {}, (socket) => socket.on('data', (data) => received.push(data)))
  const port = server.address().port

  // Before the connection, writes wait in the stream's queue.
  const early = connect(t, { port, host: '127.0.0.1', writableHighWaterMark: 1024 })
  t.is(early.write(Buffer.alloc(1000, 1)), true, 'under the mark')
  t.is(early.write(Buffer.alloc(100, 1)), false, 'at the mark')
  await once(early, 'drain')

  // By default a writer of small chunks may hold up to 64 KiB.
  const byDefault = connect(t, port, '127.0.0.1')
  t.is(byDefault.write(Buffer.alloc(60000, 2)), true)
  t.is(byDefault.write(Buffer.alloc(6000, 2)), false)
  await once(byDefault, 'drain')

  // Corked writes count against the mark too.
  const corked = connect(t, { port, host: '127.0.0.1', writableHighWaterMark: 1024 })
  await once(corked, 'connect')
  corked.cork()
  t.is(corked.write(Buffer.alloc(600, 3)), true)
  t.is(corked.write(Buffer.alloc(600, 3)), false)
  corked.uncork()
  await once(corked, 'drain')

  const expected = 1100 + 66000 + 1200
  const deadline = Date.now() + 5000
  while (received.reduce((n, data) => n + data.byteLength, 0) < expected && Date.now() < deadline)
    await sleep(5)
  t.is(
    received.reduce((n, data) => n + data.byteLength, 0),
    expected,
    'every byte arrived'
  )
})

test('high-water marks of 0: data flows both ways, and an empty write does not wait for drain', async (t) => {
  const server = await listen(t, { highWaterMark: 0 }, (socket) => socket.pipe(socket))
  const client = connect(t, { port: server.address().port, host: '127.0.0.1', highWaterMark: 0 })

  t.is(client.write('a'), false, 'queued before the connection, at the mark')
  await once(client, 'drain')

  t.is(client.write(Buffer.alloc(0)), true, 'nothing waits for an empty write')

  const echoed = []
  client.on('data', (data) => echoed.push(data))
  client.write('bc')

  const deadline = Date.now() + 5000
  while (Buffer.concat(echoed).length < 3 && Date.now() < deadline) await sleep(5)
  t.is(Buffer.concat(echoed).toString(), 'abc')
})

test('high-water marks that are not integers from 0 to 2147483647 throw INVALID_ARGUMENT', async (t) => {
  const thrown = (fn) => {
    try {
      fn()
    } catch (err) {
      return err
    }
    return null
  }

  for (const value of [-1, 1.5, '16', NaN, Infinity, 2 ** 31, true, {}]) {
    for (const key of ['highWaterMark', 'readableHighWaterMark', 'writableHighWaterMark']) {
      const err = thrown(() => new tcp.Socket({ [key]: value }))
      t.ok(
        err && err.code === 'INVALID_ARGUMENT' && err.message.includes(key),
        `Socket ${key}: ${String(value)}`
      )

      const viaConnect = thrown(() =>
        tcp.createConnection({ port: 1, host: '127.0.0.1', [key]: value })
      )
      t.is(
        viaConnect && viaConnect.code,
        'INVALID_ARGUMENT',
        `createConnection ${key}: ${String(value)}`
      )
    }

    const viaServer = thrown(() => tcp.createServer({ highWaterMark: value }))
    t.is(
      viaServer && viaServer.code,
      'INVALID_ARGUMENT',
      `createServer highWaterMark: ${String(value)}`
    )
  }

  for (const value of [undefined, null]) {
    const socket = new tcp.Socket({ highWaterMark: value, writableHighWaterMark: value })
    t.is(socket.writableHighWaterMark, 65536, `${value} means the default`)
    socket.destroy()
  }
})
