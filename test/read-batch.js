// Reads of one loop iteration reach JavaScript together (src/read.c). These
// tests make many sockets readable in the same wake-up: the peers write (and
// end) while the server's sockets are paused, then every socket is resumed in
// one tick, so the next poll finds all of them readable at once.

const test = require('brittle')
const { tcp, listen, connect, once } = require('./helpers')
const { fixtureResult } = require('./fixtures/support')

const COUNT = 32

async function pausedPairs(t, count, opts = {}) {
  const accepted = []
  const server = await listen(t, { pauseOnConnect: true, ...opts }, (socket) =>
    accepted.push(socket)
  )

  const clients = []
  for (let i = 0; i < count; i++) {
    const socket = connect(t, server.address().port, '127.0.0.1')
    await once(socket, 'connect')
    clients.push(socket)
  }

  while (accepted.length < count) await new Promise((resolve) => setTimeout(resolve, 5))

  // Accepted sockets in the order of their peers' local ports.
  const byPort = new Map(accepted.map((socket) => [socket.remotePort, socket]))
  return clients.map((client) => [client, byPort.get(client.localPort)])
}

function payload(i) {
  return Buffer.alloc(1000 + i * 37, i + 1)
}

test('data then end, read in one wake-up on many sockets, arrive whole and in order', async (t) => {
  const pairs = await pausedPairs(t, COUNT)

  pairs.forEach(([client], i) => client.end(payload(i)))

  // Both the data and the FIN are waiting in every socket's receive queue.
  await new Promise((resolve) => setTimeout(resolve, 100))

  const done = pairs.map(
    ([, socket]) =>
      new Promise((resolve) => {
        const chunks = []
        let endedBeforeData = false
        let ended = false
        socket.on('data', (data) => {
          if (ended) endedBeforeData = true
          chunks.push(data)
        })
        socket.on('end', () => {
          ended = true
          resolve({ data: Buffer.concat(chunks), endedBeforeData })
        })
      })
  )

  for (const [, socket] of pairs) socket.resume()

  const results = await Promise.all(done)

  results.forEach((result, i) => {
    t.ok(result.data.equals(payload(i)), `socket ${i} read its peer's bytes`)
    t.absent(result.endedBeforeData, `socket ${i} saw no data after its end`)
  })
})

test('a socket paused in its data handler stops while the others read on', async (t) => {
  const pairs = await pausedPairs(t, 8)
  // Far more than a receive buffer holds before its reader takes anything,
  // so that what the paused socket read shows where the addon stopped.
  const big = Buffer.alloc(4 * 1024 * 1024, 7)

  pairs.forEach(([client]) => client.end(big))
  await new Promise((resolve) => setTimeout(resolve, 100))

  const [, slow] = pairs[0]
  let slowBytes = 0
  let paused = false
  slow.on('data', (data) => {
    slowBytes += data.byteLength
    if (paused) return
    paused = true
    slow.pause()
  })

  const others = pairs.slice(1).map(([, socket]) => {
    let bytes = 0
    socket.on('data', (data) => (bytes += data.byteLength))
    return once(socket, 'end').then(() => bytes)
  })

  for (const [, socket] of pairs) socket.resume()

  const totals = await Promise.all(others)
  t.alike(totals, new Array(totals.length).fill(big.byteLength), 'the others read everything')
  t.ok(slowBytes < big.byteLength, `the paused socket stopped at ${slowBytes} bytes`)
  t.ok(slow.bytesRead < big.byteLength, `and read no more from the kernel (${slow.bytesRead})`)

  const ended = once(slow, 'end')
  slow.resume()
  await ended
  t.is(slowBytes, big.byteLength, 'and read the rest once resumed')
})

test('a socket destroyed by another one in the same wake-up gets no more data', async (t) => {
  const pairs = await pausedPairs(t, 2)

  pairs.forEach(([client]) => {
    client.on('error', () => {})
    client.write('hello')
  })
  await new Promise((resolve) => setTimeout(resolve, 100))

  const [a, b] = pairs.map(([, socket]) => socket)
  const seen = { a: 0, b: 0 }
  let destroyed = null

  a.on('data', () => {
    seen.a++
    if (!destroyed) {
      destroyed = 'b'
      b.destroy()
    }
  })
  b.on('data', () => {
    seen.b++
    if (!destroyed) {
      destroyed = 'a'
      a.destroy()
    }
  })

  const closed = Promise.all([once(a, 'close'), once(b, 'close')]).then(() => true)
  a.resume()
  b.resume()

  // The survivor is destroyed by the test once it has read.
  await new Promise((resolve) => setTimeout(resolve, 100))
  const survivor = destroyed === 'b' ? a : b
  survivor.destroy()

  t.ok(await closed, 'both closed')
  t.is(seen[destroyed], 0, 'the destroyed socket emitted no data')
  t.is(seen[destroyed === 'a' ? 'b' : 'a'], 1, 'the other read once')
})

test('sockets of a server and of its clients in one process share the batches', async (t) => {
  // Echo traffic with both ends in this process: every wake-up carries
  // reads for both sides, and each must reach its own socket.
  const server = await listen(t, {}, (socket) => socket.pipe(socket))
  const sockets = []
  for (let i = 0; i < COUNT; i++) sockets.push(connect(t, server.address().port, '127.0.0.1'))

  const rounds = 20
  const results = await Promise.all(
    sockets.map(
      (socket, i) =>
        new Promise((resolve) => {
          let round = 0
          let got = 0
          const message = Buffer.alloc(64, i)
          let good = true
          socket.on('data', (data) => {
            for (const byte of data) if (byte !== i) good = false
            got += data.byteLength
            if (got < message.byteLength) return
            got -= message.byteLength
            if (++round === rounds) return resolve(good && got === 0)
            socket.write(message)
          })
          socket.write(message)
        })
    )
  )

  t.ok(
    results.every((good) => good),
    `${COUNT} sockets x ${rounds} rounds echoed to the right socket`
  )
})

test('asking for more data while the end already waits in the batch is no error', async (t) => {
  // Several full reads and the end arrive in one wake-up: JavaScript's
  // buffer fills on the first, drains, and asks for more while the end is
  // already read but not yet delivered.
  const pairs = await pausedPairs(t, 4)
  const payload = Buffer.alloc(1024 * 1024, 3)

  pairs.forEach(([client]) => client.end(payload))
  await new Promise((resolve) => setTimeout(resolve, 100))

  const results = pairs.map(
    ([, socket]) =>
      new Promise((resolve) => {
        let bytes = 0
        let error = null
        socket.on('data', (data) => (bytes += data.byteLength))
        socket.on('error', (err) => (error = err))
        socket.on('end', () => resolve({ bytes, error }))
        socket.on('close', () => resolve({ bytes, error }))
      })
  )

  for (const [, socket] of pairs) socket.resume()

  for (const { bytes, error } of await Promise.all(results)) {
    t.is(error, null, 'no error')
    t.is(bytes, payload.byteLength, 'every byte, then the end')
  }
})

test('a reset read right behind data is reported as the reset, even if the reader asked for more', async (t) => {
  // Reads of exactly the read buffer's size make libuv read again at once,
  // so the reset is read in the same wake-up as the data before it; a read
  // as large as the stream's high-water mark fills JavaScript's buffer, so
  // it asks for more before it hears of the reset.
  const pairs = await pausedPairs(t, 4, { readBufferSize: 16384 })
  const payload = Buffer.alloc(2 * 16384, 5)

  for (const [client] of pairs) {
    client.on('error', () => {})
    client.write(payload)
  }
  await new Promise((resolve) => setTimeout(resolve, 100))
  for (const [client] of pairs) client.resetAndDestroy()
  await new Promise((resolve) => setTimeout(resolve, 100))

  const results = pairs.map(
    ([, socket]) =>
      new Promise((resolve) => {
        const errors = []
        socket.on('data', () => {})
        socket.on('error', (err) => errors.push(err.code + ' ' + err.syscall))
        socket.on('close', () => resolve(errors))
      })
  )

  for (const [, socket] of pairs) socket.resume()

  for (const errors of await Promise.all(results)) {
    t.alike(errors, ['ECONNRESET read'], 'one error: the reset, from the read')
  }
})

test('reads are views of one buffer shared by the sockets of the thread', async (t) => {
  const pairs = await pausedPairs(t, 8)
  pairs.forEach(([client], i) => client.write(Buffer.alloc(100, i)))
  await new Promise((resolve) => setTimeout(resolve, 100))

  const chunks = await Promise.all(
    pairs.map(([, socket]) => {
      const read = once(socket, 'data').then(([data]) => data)
      socket.resume()
      return read
    })
  )

  chunks.forEach((chunk, i) =>
    t.ok(chunk.equals(Buffer.alloc(100, i)), `socket ${i} read its bytes`)
  )
  t.ok(
    chunks.every((chunk) => chunk.buffer.byteLength >= 256 * 1024),
    'each chunk is a view of a buffer of at least 256 KiB'
  )
  t.ok(
    chunks.some((chunk, i) => chunks.some((other, j) => i !== j && other.buffer === chunk.buffer)),
    'chunks of different sockets share it'
  )

  // A read buffer larger than that gets a shared buffer twice its size
  // (larger than any other test's, so that no buffer already made fits it).
  const [[client, socket]] = await pausedPairs(t, 1, { readBufferSize: 3 * 1024 * 1024 })
  client.write(Buffer.alloc(10))
  const read = once(socket, 'data')
  socket.resume()
  const [large] = await read
  t.is(large.buffer.byteLength, 6 * 1024 * 1024)
})

test('a data listener that throws is reported, and the other sockets of the batch still read', async (t) => {
  // 'data' is emitted while the batch is being handed out: the error must
  // not cut the batch short. In a child process, since it is uncaught.
  const result = await fixtureResult(t, 'throwing-listener.js')
  if (!result) return

  t.ok(result.errors.length > 0, 'the error was reported as uncaught')
  t.ok(
    result.errors.every((message) => message === 'listener failed'),
    'only the listener failed'
  )
  result.received.forEach((bytes, i) => t.is(bytes, result.size, `socket ${i} read every byte`))
})

test('a lone read from a shared buffer replaced right after it still reads its own bytes', async (t) => {
  // In a process of its own, so that the shared buffer starts empty and at
  // its default size, whatever the tests before left.
  const result = await fixtureResult(t, 'lone-read-replaced.js')
  if (!result) return

  result.rounds.forEach((round, i) => t.ok(round.equal, `round ${i}: its own bytes`))

  // The first round read from a new shared buffer.
  const crossed = result.rounds.findIndex(
    (round, i) => i > 0 && round.buffer !== result.rounds[i - 1].buffer
  )
  t.ok(crossed > 0, 'the reads crossed into a new shared buffer')
  t.ok(crossed > 0 && crossed < result.rounds.length - 1, 'and went on reading after it')
})

test('a readBufferSize that is not a multiple of 8 never reads past the shared buffer', async (t) => {
  // In a process of its own: the shared buffer must be made for this size.
  const result = await fixtureResult(t, 'odd-read-buffer.js')
  if (!result) return

  t.is(result.received, 200000 + 10 * 200001, 'every byte arrived')
  t.ok(result.intact, 'in order and unchanged')
  t.alike(result.sizes.slice(0, 2), [200000, 200001], 'a short read, then a full one')
})

test('a program that detaches the shared read buffer (transfer()) loses no read and frees nothing in use', async (t) => {
  const result = await fixtureResult(t, 'transfer-slab.js', [], { flags: ['--expose-gc'] })
  if (!result) return

  t.alike(result.errors, [], 'no error, nothing uncaught')
  t.is(result.results.length, 2)
  for (const { mode, received } of result.results) {
    t.is(received[0], result.expected, mode + ': the socket whose chunk was detached')
    t.is(received[1], result.expected, mode + ': another socket reading beside it')
  }
  t.ok(result.results[0].keptBytes > 0, 'the program keeps what it transferred')
})

test('a detached buffer empties the chunks of it still queued, and the stream still ends', async (t) => {
  const result = await fixtureResult(t, 'transfer-buffered.js')
  if (!result) return

  t.ok(result.ended, "'end' came")
  t.alike(result.chunks, ['one', ''], 'the queued chunk, emptied, then nothing more')
  t.is(result.events, 1)
})

test("a socket's reads of one wake-up reach 'data' with the microtasks of each run before the next, as in Node.js", async (t) => {
  // 16 MiB at once: the socket reads dozens of times per wake-up, and a
  // pause() or destroy() from a microtask holds back the next read.
  const total = 16 << 20
  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
    socket.end(Buffer.alloc(total, 0x65))
  })

  for (const stop of ['pause', 'destroy']) {
    const socket = connect(t, server.address().port, '127.0.0.1')
    const events = []
    let stopped = false
    let afterStop = 0

    socket.on('data', (data) => {
      if (stopped) afterStop++
      events.push('data')
      queueMicrotask(() => {
        events.push('microtask')
        if (!stopped && socket.bytesRead >= 2 << 20) {
          stopped = true
          socket[stop]()
        }
      })
    })

    const deadline = Date.now() + 10000
    while (!stopped && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 1))
    t.ok(stopped, `${stop} came`)
    await new Promise((resolve) => setTimeout(resolve, 100))

    const runs = events.join(' ').split('microtask')
    t.ok(
      runs.every((run) => run.split('data').length <= 2),
      `${stop}: never two 'data' events without the microtasks between them`
    )
    t.is(afterStop, 0, `${stop}: no 'data' after it`)
    socket.destroy()
  }
})

test("a peer's end reaches JavaScript in the poll that saw it, before callbacks later in that poll", async (t) => {
  // bare-http1's agent reuses a pooled connection unless its 'end' came
  // first: here the peer closes, then a lookup (answered from the thread
  // pool, in a later callback of the same poll) decides.
  const dns = require('bare-dns')
  let endedFirst = 0
  const runs = 20

  for (let i = 0; i < runs; i++) {
    let peer = null
    const server = tcp.createServer((socket) => {
      peer = socket
      socket.on('error', () => {})
      socket.on('data', () => socket.write('ok'))
    })
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    const client = tcp.createConnection(server.address().port, '127.0.0.1')
    let ended = false
    client.on('end', () => (ended = true))
    client.on('error', () => {})
    client.write('hi')
    await once(client, 'data')
    await new Promise((resolve) => setTimeout(resolve, 10))
    await new Promise((resolve) =>
      setImmediate(() => {
        server.close(() => dns.lookup('localhost', {}, resolve))
        peer.destroy()
      })
    )
    if (ended) endedFirst++
    client.destroy()
  }

  t.is(endedFirst, runs, "'end' came before the lookup's answer every time")
})
