const test = require('brittle')
const crypto = require('bare-crypto')
const { Writable } = require('bare-stream')

// What a socket piped into a writable delivers until its end, as text.
function pipedText(socket) {
  const chunks = []
  socket.pipe(
    new Writable({
      write(data, encoding, cb) {
        chunks.push(data)
        cb(null)
      }
    })
  )
  return once(socket, 'end').then(() => String(Buffer.concat(chunks)))
}
const { tcp, echoServer, listen, connect, collect, once } = require('./helpers')
const { fixtureResult } = require('./fixtures/support')

test('64 MiB echoed back byte for byte, checked by SHA-256', { timeout: 120000 }, async (t) => {
  const server = await echoServer(t)
  const socket = connect(t, server.address().port, '127.0.0.1')

  const total = 64 * 1024 * 1024
  const sent = crypto.createHash('sha256')
  const received = crypto.createHash('sha256')
  let receivedBytes = 0

  socket.on('data', (data) => {
    received.update(data)
    receivedBytes += data.byteLength
  })

  const ended = once(socket, 'end')

  // Chunks of varying size and content, so that reordering or a lost chunk
  // changes the hash.
  let offset = 0
  let seed = 1

  while (offset < total) {
    const size = Math.min(total - offset, 1 + ((seed * 7919) % (256 * 1024)))
    const chunk = Buffer.alloc(size, seed & 0xff)
    chunk.writeUInt32LE(seed, 0 % Math.max(1, size - 4))
    sent.update(chunk)
    offset += size
    seed++

    if (!socket.write(chunk)) await once(socket, 'drain')
  }

  socket.end()
  await ended

  t.is(receivedBytes, total)
  t.is(received.digest('hex'), sent.digest('hex'))
})

test('strings are written in the given encoding', async (t) => {
  const server = await listen(t, {}, (socket) => collect(socket).then((data) => socket.end(data)))
  const socket = connect(t, server.address().port, '127.0.0.1')

  socket.write('héllo ', 'utf8')
  socket.write('776f726c64', 'hex')
  // 'buffer' is what streams call a Buffer's encoding: UTF-8 for a string.
  socket.write('!', 'buffer')
  socket.end()

  const data = await collect(socket)
  t.is(data.toString(), 'héllo world!')
})

test('many small writes arrive complete and in order', async (t) => {
  const server = await listen(t, {}, (socket) => collect(socket).then((data) => socket.end(data)))
  const socket = connect(t, server.address().port, '127.0.0.1')

  let expected = ''
  for (let i = 0; i < 20000; i++) {
    const line = `${i},`
    expected += line
    socket.write(line)
  }
  socket.end()

  const data = await collect(socket)
  t.is(data.toString(), expected)
})

test('each socket hears only its own data while closed sockets make way for new ones', async (t) => {
  const server = await echoServer(t)
  const port = server.address().port

  // Five generations of sockets, each opened while half of the one before
  // is still open, so that new sockets on both sides take the places of
  // closed ones; every socket must read back exactly what it wrote, and
  // hear of its own close once.
  let open = []
  for (let generation = 0; generation < 5; generation++) {
    const born = []
    for (let i = 0; i < 6; i++) {
      const name = `socket ${generation}.${i};`
      const socket = connect(t, port, '127.0.0.1')
      let closes = 0
      socket.on('close', () => closes++)
      const received = []
      socket.on('data', (data) => received.push(data))
      socket.write(name.repeat(100))
      born.push({ socket, name, received, closes: () => closes })
    }

    for (const entry of [...open, ...born]) {
      const expected = entry.name.repeat(100)
      while (Buffer.concat(entry.received).length < expected.length) {
        await once(entry.socket, 'data')
      }
      t.is(Buffer.concat(entry.received).toString(), expected, entry.name)
      entry.received.length = 0
      entry.socket.write(entry.name.repeat(100))
    }

    const closing = [...open, ...born].filter((entry, i) => i % 2 === 0)
    open = [...open, ...born].filter((entry, i) => i % 2 === 1)
    await Promise.all(
      closing.map((entry) => {
        entry.socket.destroy()
        return once(entry.socket, 'close')
      })
    )
    for (const entry of closing) t.is(entry.closes(), 1, `${entry.name} closed once`)
  }
})

test('typed arrays of any element size are written as their bytes', async (t) => {
  const server = await listen(t, {}, (socket) => collect(socket).then((data) => socket.end(data)))
  const socket = connect(t, server.address().port, '127.0.0.1')

  const words = new Uint32Array([0x01020304, 0x05060708])
  socket.write(words)
  socket.write(new Uint8Array([9]))
  socket.end()

  const data = await collect(socket)
  t.alike(
    data,
    Buffer.from(words.buffer).length === 8
      ? Buffer.concat([Buffer.from(words.buffer), Buffer.from([9])])
      : null
  )
})

test('write callbacks fire once the data reached the kernel', async (t) => {
  t.plan(3)

  const server = await echoServer(t)
  const socket = connect(t, server.address().port, '127.0.0.1')

  socket.write('a', (err) => t.is(err, null, 'first write'))
  socket.write(Buffer.from('b'), (err) => t.is(err, null, 'second write'))
  socket.end('c', (err) => t.is(err, null, 'end callback'))
  socket.resume()
})

test('bytesRead and bytesWritten count what crossed the socket', async (t) => {
  const server = await echoServer(t)
  const socket = connect(t, server.address().port, '127.0.0.1')

  t.is(socket.bytesRead, 0)
  t.is(socket.bytesWritten, 0)

  socket.end('0123456789')
  await collect(socket)
  await once(socket, 'close')

  t.is(socket.bytesRead, 10)
  t.is(socket.bytesWritten, 10)
})

test('a custom readBufferSize bounds each read', async (t) => {
  const server = await listen(t, {}, (socket) => socket.end(Buffer.alloc(10000, 1)))
  const socket = connect(t, server.address().port, '127.0.0.1', { readBufferSize: 100 })

  let max = 0
  let total = 0
  socket.on('data', (data) => {
    max = Math.max(max, data.byteLength)
    total += data.byteLength
  })

  await once(socket, 'end')
  t.ok(max <= 100, `largest read was ${max}`)
  t.is(total, 10000)
  t.ok(new tcp.Socket({ readBufferSize: 100 }))
})

test('a large readBufferSize costs memory only for the bytes read', async (t) => {
  // Each read reserves readBufferSize bytes of the shared read buffer; only
  // the pages a read fills may become resident, however large the reserve.
  const result = await fixtureResult(t, 'large-read-buffer.js')
  if (!result) return

  t.ok(result.intact, 'the bytes arrived intact')
  t.ok(
    result.grown < result.reserve / 4,
    `resident memory grew by ${(result.grown / 1048576).toFixed(1)} MiB`
  )
})

test('with noDelay, a reply from a data listener reaches the kernel during write(); a second one waits for the tick', async (t) => {
  const replies = []
  const server = await listen(t, { noDelay: true }, (socket) => {
    socket.on('error', () => {})
    socket.on('data', (data) => {
      socket.write(data)
      const afterFirst = socket.writableLength
      socket.write(Buffer.from('!'))
      replies.push({ afterFirst, afterSecond: socket.writableLength })
    })
  })

  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')
  socket.write(Buffer.from('ping'))

  let received = ''
  await new Promise((resolve) => {
    socket.on('data', (data) => {
      received += data.toString()
      if (received.length >= 5) resolve()
    })
  })

  t.is(received, 'ping!', 'both replies arrived, in order')
  t.is(replies.length, 1)
  t.is(replies[0].afterFirst, 0, 'the first write went to the kernel at once')
  t.is(replies[0].afterSecond, 1, 'the second write was held for the end of the tick')
})

test("with Nagle's algorithm on (the default), the writes of a turn wait and leave together as one segment", async (t) => {
  // Sent apart, the kernel would hold the second small segment until the
  // peer acknowledged the first: ~40 ms of delayed ACK per exchange for a
  // response written as its head and then its body.
  const held = []
  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
    socket.on('data', () => {
      socket.write(Buffer.from('head'))
      held.push(socket.writableLength)
      socket.write(Buffer.from('body'))
    })
  })

  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  const chunks = []
  for (let i = 0; i < 5; i++) {
    socket.write('q')
    const [data] = await once(socket, 'data')
    chunks.push(data.toString())
  }

  t.alike(held, [4, 4, 4, 4, 4], 'the first write waits for the batch')
  t.alike(chunks, ['headbody', 'headbody', 'headbody', 'headbody', 'headbody'], 'one read each')
})

test('a large first write the kernel takes only part of still arrives whole', async (t) => {
  // The peer does not read at first, so the kernel's buffers fill during
  // the write and the rest of it has to wait in flight.
  const accepted = []
  const server = await listen(t, { pauseOnConnect: true }, (socket) => accepted.push(socket))

  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  const chunks = [crypto.randomBytes(8 * 1024 * 1024), crypto.randomBytes(1000)]
  const order = []
  socket.write(chunks[0], (err) => order.push(err || 'first'))
  socket.write(chunks[1], (err) => order.push(err || 'second'))
  socket.end()

  t.ok(socket.writableLength > 0, 'part of the first write is still waiting')

  while (accepted.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
  const peer = accepted[0]
  peer.on('error', () => {})
  const collected = collect(peer)
  peer.resume()
  const data = await collected

  const sha = (buffer) => crypto.createHash('sha256').update(buffer).digest('hex')
  t.is(sha(data), sha(Buffer.concat(chunks)), 'every byte arrived in order')
  t.alike(order, ['first', 'second'], 'callbacks ran once each, in order')
})

test('setEncoding, async iteration, pipe() and a late data listener see every byte', async (t) => {
  // Each of these keeps reads in the stream's queue or maps them, so none
  // may be handed to 'data' past it.
  const text = 'héllo wörld '.repeat(2000)
  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
    socket.end(text)
  })
  const port = server.address().port
  const { Writable } = require('bare-stream')

  const decoded = connect(t, port, '127.0.0.1')
  decoded.setEncoding('utf8')
  let received = ''
  let types = ''
  decoded.on('data', (data) => {
    types += typeof data === 'string' ? '' : typeof data
    received += data
  })
  await once(decoded, 'end')
  t.is(types, '', 'every chunk was mapped to a string')
  t.is(received, text, 'setEncoding')

  const iterated = connect(t, port, '127.0.0.1')
  const chunks = []
  for await (const chunk of iterated) chunks.push(chunk)
  t.is(Buffer.concat(chunks).toString(), text, 'async iteration')

  const piped = connect(t, port, '127.0.0.1')
  const sunk = []
  await new Promise((resolve, reject) => {
    const sink = new Writable({
      write(data, encoding, cb) {
        sunk.push(data)
        cb(null)
      }
    })
    sink.on('finish', resolve)
    sink.on('error', reject)
    piped.pipe(sink)
  })
  t.is(Buffer.concat(sunk).toString(), text, 'pipe()')

  // Read while nobody listened, then a listener: the queued bytes first.
  const late = connect(t, port, '127.0.0.1')
  await once(late, 'connect')
  await new Promise((resolve) => setTimeout(resolve, 50))
  const lateChunks = []
  late.on('data', (data) => lateChunks.push(data))
  await once(late, 'end')
  t.is(Buffer.concat(lateChunks).toString(), text, 'late listener')
})

test("'data' goes through the socket's emit, so a wrapped emit sees it", async (t) => {
  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
    socket.end('seen')
  })
  const socket = connect(t, server.address().port, '127.0.0.1')
  const seen = []
  const emit = socket.emit
  socket.emit = function (name, ...args) {
    if (name === 'data') seen.push(args[0].toString())
    return emit.call(this, name, ...args)
  }
  const received = await collect(socket)
  t.is(received.toString(), 'seen')
  t.is(seen.join(''), 'seen', 'the wrapper saw every data event')
})

test("removeAllListeners() leaves the socket able to learn of later 'data' listeners, and of the program's 'newListener'", async (t) => {
  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
    socket.end('after removeAllListeners')
  })
  const socket = connect(t, server.address().port, '127.0.0.1')
  socket.on('error', () => {})
  socket.removeAllListeners()

  const added = []
  socket.on('newListener', (name) => added.push(name))

  const chunks = []
  socket.on('data', (data) => chunks.push(data))
  await once(socket, 'end')

  t.is(Buffer.concat(chunks).toString(), 'after removeAllListeners')
  t.alike(added, ['data', 'end'], "the program's 'newListener' saw each listener added")
})

test('listeners keep their order, counts and names whichever way they are added, on any event name', async (t) => {
  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
    socket.end('abc')
  })
  const socket = connect(t, server.address().port, '127.0.0.1')
  const calls = []
  const record = (label) => (data) => calls.push(label + ':' + data)

  socket.on('data', record('on'))
  socket.addListener('data', record('addListener'))
  socket.once('data', record('once'))
  socket.addOnceListener('data', record('addOnceListener'))
  socket.prependListener('data', record('prependListener'))
  socket.prependOnceListener('data', record('prependOnceListener'))
  t.is(socket.listenerCount('data'), 6)

  // Names a plain object would inherit, or treat as its prototype.
  const symbol = Symbol('event')
  const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', symbol]
  for (const name of names) {
    t.is(socket.listenerCount(name), 0, String(name) + ' has no listener before one is added')
    socket.once(name, record(String(name)))
  }
  for (const name of names) t.is(socket.emit(name, 'x'), true)
  for (const name of names) t.is(socket.emit(name, 'y'), false, String(name) + ' was once')

  const lone = record('lone')
  socket.on('lone', lone)
  t.alike(socket.listeners('lone'), [lone])
  socket.removeListener('lone', lone)
  t.is(socket.listenerCount('lone'), 0)
  t.absent(socket.eventNames().includes('lone'))

  await once(socket, 'end')
  t.alike(calls, [
    '__proto__:x',
    'constructor:x',
    'toString:x',
    'hasOwnProperty:x',
    'Symbol(event):x',
    'prependOnceListener:abc',
    'prependListener:abc',
    'on:abc',
    'addListener:abc',
    'once:abc',
    'addOnceListener:abc'
  ])
  t.is(socket.listenerCount('data'), 3, 'the once listeners are gone')
})

test("a 'data' listener added or removed by a 'data' listener hears from the next chunk on, as on any emitter", async (t) => {
  let peer = null
  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
    peer = socket
  })
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')
  while (peer === null) await new Promise((resolve) => setTimeout(resolve, 1))

  // No other 'data' listener (a once listener of the test's would be one).
  const heard = []
  let wake = null
  const second = (data) => {
    heard.push('second:' + data)
    wake()
  }
  const first = (data) => {
    heard.push('first:' + data)
    if (heard.length === 1) {
      socket.on('data', second)
      wake()
    } else {
      socket.removeListener('data', first)
    }
  }
  socket.on('data', first)

  for (const chunk of ['a', 'b', 'c']) {
    const received = new Promise((resolve) => (wake = resolve))
    peer.write(chunk)
    await received
  }

  t.alike(heard, ['first:a', 'first:b', 'second:b', 'second:c'])
  peer.end()
  await once(socket, 'end')
})

test("a lone 'data' listener is called as emit() calls it, and an emit() replaced on a base class sees every read", async (t) => {
  const { Duplex } = require('bare-stream')
  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
    socket.end('hi')
  })

  const traced = []
  const emit = Duplex.prototype.emit
  Duplex.prototype.emit = function (name, ...args) {
    if (name === 'data' && this instanceof tcp.Socket) traced.push(args[0].toString())
    return emit.call(this, name, ...args)
  }
  t.teardown(() => {
    Duplex.prototype.emit = emit
  })

  const socket = connect(t, server.address().port, '127.0.0.1')
  const heard = []
  const listener = (data) => heard.push(data.toString())
  // Not used: emitters apply a listener, they do not ask it for call().
  listener.call = () => heard.push('own call()')
  socket.on('data', listener)

  await once(socket, 'end')
  Duplex.prototype.emit = emit
  t.alike(heard, ['hi'])
  t.alike(traced, ['hi'], 'the replaced emit saw the read')
})

test("setEncoding('base64') and ('utf16le') decode across chunk boundaries, as Node.js does", async (t) => {
  // A surrogate pair and base64 groups split between the peer's writes.
  const parts = [
    Buffer.from([0x68, 0x00, 0x3d]),
    Buffer.from([0xd8, 0x00]),
    Buffer.from([0xde, 0x69, 0x00, 0xff])
  ]
  const sent = Buffer.concat(parts)
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

  for (const encoding of ['base64', 'base64url', 'utf16le', 'ucs2']) {
    let socket = null
    const server = await listen(t, {}, async (peer) => {
      peer.on('error', () => {})
      // Each part once the client has read the one before: one read each.
      let written = 0
      for (const part of parts) {
        peer.write(part)
        written += part.byteLength
        for (let i = 0; i < 2000 && socket.bytesRead < written; i++) await sleep(1)
      }
      peer.end()
    })
    socket = connect(t, server.address().port, '127.0.0.1')
    socket.setEncoding(encoding)
    const strings = []
    socket.on('data', (data) => strings.push(data))
    await once(socket, 'end')

    t.ok(strings.length > 1, encoding + ': the data came in several chunks')
    t.ok(
      strings.every((s) => typeof s === 'string'),
      encoding + ': strings'
    )
    const whole = encoding.startsWith('base64') ? sent : sent.subarray(0, sent.length - 1)
    t.is(strings.join(''), whole.toString(encoding), encoding)
    server.close()
  }
})

test('a listener of data, readable, end, finish, error or close that throws is reported, and the socket and its server still close', async (t) => {
  // streamx emits these from the middle of its bookkeeping: a throw there
  // left the socket without further reads, 'end' or 'close', and the server
  // without its 'close'. In a child process, since the errors are uncaught.
  const result = await fixtureResult(t, 'throwing-stream-listener.js')
  if (!result) return

  for (const { name, got, clientClosed, serverClosed } of result.outcomes) {
    t.is(got, name === 'error' ? 'a' : 'abc', `${name}: read everything sent`)
    t.ok(clientClosed, `${name}: the socket closed`)
    t.ok(serverClosed, `${name}: the server closed`)
  }
  t.alike(
    result.errors,
    result.outcomes.map(({ name }) => `${name} listener failed`),
    'each error reported as uncaught, once'
  )
})

test('a client paused before it connects reads once resumed, read from, piped or given a readable listener', async (t) => {
  const server = await listen(t, {}, (socket) => socket.end('hello'))
  const port = server.address().port

  const ways = {
    resume: (socket) => collect(socket).then(String),
    read: (socket) =>
      new Promise((resolve) => {
        // read() asks for data; 'readable' then says it is there.
        socket.read()
        socket.once('readable', () => resolve(String(socket.read())))
      }),
    readable: (socket) =>
      new Promise((resolve) => socket.once('readable', () => resolve(String(socket.read())))),
    pipe: (socket) => pipedText(socket)
  }

  for (const [way, start] of Object.entries(ways)) {
    const socket = connect(t, port, '127.0.0.1')
    socket.pause()
    await once(socket, 'connect')
    // Long enough for the server's data to have arrived, were it read.
    await new Promise((resolve) => setTimeout(resolve, 50))
    t.is(socket.readableLength, 0, `${way}: nothing read while paused`)
    t.ok(socket.isPaused(), `${way}: isPaused()`)
    if (way === 'resume') socket.resume()
    t.is(await start(socket), 'hello', `${way}: the data arrives`)
  }
})

test('a client paused in its connect listener does not read until resumed', async (t) => {
  const server = await listen(t, {}, (socket) => socket.end('late'))
  const socket = connect(t, server.address().port, '127.0.0.1')
  const got = []
  socket.on('data', (data) => got.push(String(data)))
  socket.on('connect', () => socket.pause())
  await once(socket, 'connect')
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.alike(got, [], 'no data while paused')
  t.is(socket.readableLength, 0, 'nothing read ahead either')
  socket.resume()
  await once(socket, 'end')
  t.alike(got, ['late'])
})

test("a client paused before it connects flows once given a 'data' listener, as bare-stream has it", async (t) => {
  // bare-http1 pauses a socket it hands over, and bare-ws only adds its
  // 'data' listener: that must start the flow.
  const server = await listen(t, {}, (socket) => socket.end('flow'))
  const socket = connect(t, server.address().port, '127.0.0.1')
  socket.pause()
  await once(socket, 'connect')
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.is(socket.bytesRead, 0, 'nothing read while paused')
  const got = []
  socket.on('data', (data) => got.push(String(data)))
  await once(socket, 'end')
  t.alike(got, ['flow'])
})

test('a client paused, then piped or read from before it connects, reads once connected, as in Node.js', async (t) => {
  const server = await listen(t, {}, (socket) => socket.end('early'))
  const port = server.address().port

  const piped = connect(t, port, '127.0.0.1')
  piped.pause()
  t.is(await pipedText(piped), 'early', 'the pipe got the data')
  t.absent(piped.isPaused(), 'a pipe ends the pause')

  const read = connect(t, port, '127.0.0.1')
  read.pause()
  read.read()
  await once(read, 'readable')
  t.is(String(read.read()), 'early', 'the read() before connect asked for the data')
})

test("a 'connect' listener that throws does not stop the socket reading", async (t) => {
  const server = await listen(t, {}, (socket) => socket.end('still'))
  const uncaught = []
  const onuncaught = (err) => uncaught.push(err.message)
  Bare.on('uncaughtException', onuncaught)
  t.teardown(() => Bare.off('uncaughtException', onuncaught))

  const socket = connect(t, server.address().port, '127.0.0.1', () => {
    throw new Error('from connect')
  })
  const got = []
  socket.on('data', (data) => got.push(String(data)))
  await once(socket, 'end')
  t.alike(got, ['still'])
  t.alike(uncaught, ['from connect'], 'the throw was reported')
})

test("setEncoding('base64') and UTF-16 end as in Node.js: the last bytes come out before 'end'", async (t) => {
  const server = await listen(t, {}, (socket) => {
    socket.write(Buffer.from('hel'))
    setTimeout(() => socket.end(Buffer.from('lo')), 20)
  })

  const expected = {
    base64: 'aGVsbG8=',
    base64url: 'aGVsbG8',
    utf16le: Buffer.from('hell').toString('utf16le')
  }
  for (const [encoding, text] of Object.entries(expected)) {
    const socket = connect(t, server.address().port, '127.0.0.1')
    socket.setEncoding(encoding)
    let got = ''
    socket.on('data', (data) => (got += data))
    await once(socket, 'end')
    t.is(got, text, encoding)
  }
})
