// Every value that write() and end() hand to the addon is checked before
// the addon uses it: its type, its length, and whether its memory is still
// there. Each case goes through the public API over a real connection, and
// ends in a thrown error with a code, an error with a code, or the exact
// bytes at the peer; never a crash.

const test = require('brittle')
const crypto = require('bare-crypto')
const { listen, echoServer, connect, collect, once } = require('./helpers')
const { runBare, describe } = require('./fixtures/support')

function sha256(data) {
  return crypto.createHash('sha256').update(data).digest('hex')
}

// A server that sends back everything it received once the client ended.
function replyServer(t) {
  return listen(t, {}, (socket) => {
    socket.on('error', () => {})
    collect(socket).then(
      (data) => socket.end(data),
      () => {}
    )
  })
}

test('values that are not bytes throw INVALID_ARGUMENT and leave the socket usable', async (t) => {
  const server = await replyServer(t)
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  const values = [
    0,
    -1,
    1.5,
    NaN,
    Infinity,
    2 ** 53,
    10n,
    true,
    null,
    undefined,
    {},
    { byteLength: 4 },
    [1, 2, 3],
    ['a'],
    Symbol('chunk'),
    () => {},
    new ArrayBuffer(8),
    new SharedArrayBuffer(8),
    new Map(),
    Promise.resolve(Buffer.from('x'))
  ]

  for (const value of values) {
    const name =
      typeof value === 'symbol' ? value.toString() : Object.prototype.toString.call(value)
    try {
      socket.write(value)
      t.fail(`write(${name}) did not throw`)
    } catch (err) {
      t.is(err.code, 'INVALID_ARGUMENT', `write(${name})`)
    }
  }

  try {
    socket.end(42)
    t.fail('end(42) did not throw')
  } catch (err) {
    t.is(err.code, 'INVALID_ARGUMENT', 'end(42)')
  }

  socket.end('still usable')
  t.is((await collect(socket)).toString(), 'still usable')
})

test('an unknown encoding throws an error with a code', async (t) => {
  const server = await replyServer(t)
  const socket = connect(t, server.address().port, '127.0.0.1')
  socket.on('error', () => {})
  await once(socket, 'connect')

  for (const encoding of ['no-such-encoding', 'utf-9', '']) {
    try {
      socket.write('abc', encoding)
      t.pass(`write('abc', '${encoding}') was accepted`)
    } catch (err) {
      t.is(
        typeof err.code,
        'string',
        `write('abc', '${encoding}') threw ${err.name}: ${err.message} with code ${err.code}`
      )
    }
  }
})

test('a DataView is either refused at once with INVALID_ARGUMENT or sent as its bytes', async (t) => {
  const server = await replyServer(t)
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  const errors = []
  socket.on('error', (err) => errors.push(err))

  const view = new DataView(new Uint8Array([1, 2, 3, 4]).buffer, 1, 2)
  let threw = null
  try {
    socket.write(view)
  } catch (err) {
    threw = err
  }

  if (threw) {
    t.is(threw.code, 'INVALID_ARGUMENT', 'refused synchronously')
    socket.end('after')
    t.is((await collect(socket)).toString(), 'after', 'the socket still works')
  } else {
    socket.end()
    const data = await collect(socket).catch((err) => err)
    t.alike(
      data,
      Buffer.from([2, 3]),
      `sent as its bytes (got ${data instanceof Error ? data.code : data.toString('hex')})`
    )
  }
  t.is(errors.length, 0, `no asynchronous error (${errors.map((err) => err.code)})`)
})

test('every typed array kind, view window and backing sends exactly its bytes', async (t) => {
  const server = await replyServer(t)
  const socket = connect(t, server.address().port, '127.0.0.1')

  const base = new Uint8Array(256)
  for (let i = 0; i < base.length; i++) base[i] = i

  const chunks = [
    new Int8Array([-1, 2, -3]),
    new Uint8ClampedArray([0, 255, 128]),
    new Int16Array([-2, 300]),
    new Uint16Array([65535, 1]),
    new Int32Array([-5, 1 << 30]),
    new Uint32Array([0xdeadbeef]),
    new Float32Array([1.5, -0]),
    new Float64Array([Math.PI]),
    new BigInt64Array([-1n]),
    new BigUint64Array([2n ** 63n]),
    new Uint8Array(base.buffer, 17, 31), // a window with an offset
    new Uint16Array(base.buffer, 64, 8),
    new Uint8Array(0), // nothing at all
    Buffer.from('tail'),
    new Uint8Array(new SharedArrayBuffer(5)).fill(0xab),
    new Uint8Array(new ArrayBuffer(6, { maxByteLength: 64 })).fill(0xcd)
  ]
  if (typeof Float16Array === 'function') chunks.push(new Float16Array([1, -2]))

  const expected = Buffer.concat(
    chunks.map((chunk) => Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
  )

  const results = []
  for (const chunk of chunks) socket.write(chunk, (err) => results.push(err))
  socket.end()

  const data = await collect(socket)
  t.is(data.toString('hex'), expected.toString('hex'))
  t.is(results.length, chunks.length)
  t.ok(
    results.every((err) => err === null),
    'every write callback reported success'
  )
})

test('a buffer detached before write() is refused with a code, nothing of it sent', async (t) => {
  const server = await replyServer(t)
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  const chunk = Buffer.from('detached before the write')
  chunk.buffer.transfer()

  const errors = []
  socket.on('error', (err) => errors.push(err))
  const closed = once(socket, 'close')

  let outcome
  try {
    socket.write(chunk, (err) => (outcome = err))
    socket.end()
  } catch (err) {
    outcome = err
  }

  socket.resume()
  await closed

  // A detached view reads as empty; writing nothing is acceptable too, but
  // then nothing may reach the peer and nothing may fail without a code.
  for (const err of errors) t.is(typeof err.code, 'string', `error event ${err.message} has a code`)
  if (outcome instanceof Error)
    t.is(typeof outcome.code, 'string', `write reported ${outcome.code}`)
  else t.is(outcome, null, 'or wrote nothing, successfully')
})

test('a DataView whose buffer is detached or shrunk: write() and end() throw INVALID_ARGUMENT', async (t) => {
  const server = await replyServer(t)
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  const detached = new ArrayBuffer(8)
  const view = new DataView(detached)
  detached.transfer()

  const resizable = new ArrayBuffer(8, { maxByteLength: 16 })
  const window = new DataView(resizable, 4, 4)
  resizable.resize(2)

  for (const chunk of [view, window]) {
    t.exception(() => socket.write(chunk), /INVALID_ARGUMENT/)
    t.exception(() => socket.end(chunk), /INVALID_ARGUMENT/)
  }

  socket.end('still usable')
  t.is((await collect(socket)).toString(), 'still usable')
})

test('a DataView detached while its write waits in the cork: its batch fails with a code, never success', async (t) => {
  const server = await replyServer(t)
  // With noDelay the first write of a turn leaves during write().
  const socket = connect(t, server.address().port, '127.0.0.1', { noDelay: true })
  await once(socket, 'connect')

  const results = {}
  const errors = []
  socket.on('error', (err) => errors.push(err))
  const closed = once(socket, 'close')

  socket.write('a', (err) => (results.a = err))
  socket.write('b', (err) => (results.b = err))
  const buffer = new ArrayBuffer(8)
  socket.write(new DataView(buffer), (err) => (results.view = err))
  buffer.transfer()

  socket.resume()
  await closed

  t.is(results.a, null, 'the first write left at once')
  t.is(results.b && results.b.code, 'INVALID_ARGUMENT', 'the batch it was in failed')
  t.is(results.view && results.view.code, 'INVALID_ARGUMENT')
  t.alike(
    errors.map((err) => err.code),
    ['INVALID_ARGUMENT']
  )
})

test('a buffer detached while it waits for the connection: an error with a code, no crash', async (t) => {
  const run = await runBare(t, 'detach.js', ['queued'])
  t.is(run.signal, null, 'no crash')
  t.is(run.code, 0, describe(run))

  const result = run.result
  t.ok(result, 'the fixture reported')
  if (!result) return

  const failed = result.callbacks.filter((code) => code !== null)
  t.ok(
    result.callbacks.every((code) => code !== 'NO_CODE'),
    'every write error has a code'
  )
  t.ok(
    result.errors.every((code) => code !== 'NO_CODE'),
    'every error event has a code'
  )
  if (failed.length === 0)
    t.ok(result.sameBytes, 'every write succeeded, so the peer got every byte')
})

test('a buffer detached and collected while its write is in flight: the peer gets the bytes written, or the write fails', async (t) => {
  const run = await runBare(t, 'detach.js', ['inflight'], { flags: ['--expose-gc'] })
  t.is(run.signal, null, 'no crash')
  t.is(run.code, 0, describe(run))

  const result = run.result
  t.ok(result, 'the fixture reported')
  if (!result) return

  const failed = result.callbacks.filter((code) => code !== null)
  t.absent(
    result.callbacks.includes('EFAULT') || result.errors.includes('EFAULT'),
    'the kernel was never handed freed memory (EFAULT)'
  )
  t.ok(
    result.callbacks.every((code) => code !== 'NO_CODE'),
    'every write error has a code'
  )

  if (failed.length === 0) {
    t.ok(
      result.sameBytes,
      `every write reported success, so the peer must have the bytes written (got ${result.received} of ${result.expected}, ${result.sameBytes ? 'same' : 'different'} bytes)`
    )
  } else {
    t.pass(`writes failed with ${[...new Set(failed)]}`)
  }
})

test('small chunks of every kind, gathered into one buffer before they leave, keep their bytes', async (t) => {
  const server = await replyServer(t)
  const socket = connect(t, server.address().port, '127.0.0.1')

  // No empty chunk: one would send the batch to the addon as it is.
  const make = (i) => [
    new Int8Array([-1, i]),
    new Uint16Array([65535, i]),
    new Float64Array([Math.PI * i]),
    new BigInt64Array([BigInt(-i)]),
    new DataView(new Uint8Array([i, 1, 2, 3]).buffer, 1, 2),
    Buffer.from('chunk ' + i),
    new Uint8Array(new SharedArrayBuffer(3)).fill(i),
    new Uint8Array(new ArrayBuffer(4, { maxByteLength: 64 })).fill(i)
  ]

  const chunks = []
  for (let i = 1; i <= 100; i++) chunks.push(...make(i))

  const expected = Buffer.concat(
    chunks.map((chunk) => Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength))
  )

  let called = 0
  for (const chunk of chunks) socket.write(chunk, () => called++)
  socket.end()

  const data = await collect(socket)
  t.is(data.toString('hex'), expected.toString('hex'))
  t.is(called, chunks.length, 'every write callback ran')
})

test("a chunk whose byteLength lies sends none of another batch's bytes", async (t) => {
  // A subclass claiming more than it has, or less, among small chunks that
  // are gathered; a second socket's batch went through the same gather
  // buffer just before, and none of it may show up here.
  class Claims extends Uint8Array {
    constructor(bytes, claim) {
      super(bytes)
      this.claim = claim
    }

    get byteLength() {
      return this.claim
    }
  }

  const server = await replyServer(t)
  const other = connect(t, server.address().port, '127.0.0.1')
  const socket = connect(t, server.address().port, '127.0.0.1')
  await Promise.all([once(other, 'connect'), once(socket, 'connect')])

  const secret = Buffer.alloc(200, 'S')
  other.write('first')
  other.write(secret)
  other.write('last')
  other.end()
  const echoed = await collect(other)
  t.is(echoed.length, 209, 'the other socket got its own bytes back')

  socket.write('A')
  socket.write('B')
  socket.write(new Claims(Buffer.from('more'), 64))
  socket.write('C')
  socket.write('D')
  socket.write(new Claims(Buffer.from('less'), 2))
  socket.write(new Claims(Buffer.from('end'), 1))
  socket.end()

  // One chunk claiming more sends the batch as it is: every chunk's own bytes.
  t.is((await collect(socket)).toString('latin1'), 'ABmoreCDlessend')

  // Only one claiming fewer: gathered, it is cut to its claim by the next
  // chunk, or sent whole; either way nothing else is in between.
  const third = connect(t, server.address().port, '127.0.0.1')
  await once(third, 'connect')
  third.write('x')
  third.write('A')
  third.write(new Claims(Buffer.from('less'), 2))
  third.write('BCDEFG')
  third.end()

  const data = (await collect(third)).toString('latin1')
  t.ok(data === 'xAleBCDEFG' || data === 'xAlessBCDEFG', JSON.stringify(data))
})

test('gathered batches left in flight keep their bytes while later batches are gathered', async (t) => {
  // The peer reads nothing until every batch is written, so the kernel's
  // buffers fill and some batch stays in flight while later ones, in later
  // ticks and from a second socket, are gathered behind it.
  let release
  const released = new Promise((resolve) => (release = resolve))
  const received = []
  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
    socket.pause()
    received.push(released.then(() => collect(socket)))
  })

  const batch = (id, round) => {
    const chunks = []
    for (let i = 0; i < 256; i++) {
      const chunk = Buffer.alloc(64, (round + i) & 0xff)
      chunk.writeUInt32BE(round * 256 + i, 0)
      chunk[4] = id
      chunks.push(chunk)
    }
    return chunks
  }

  const sockets = [1, 2].map(() => connect(t, server.address().port, '127.0.0.1'))
  await Promise.all(sockets.map((socket) => once(socket, 'connect')))

  const sent = sockets.map(() => crypto.createHash('sha256'))
  let refused = 0
  let called = 0
  const rounds = 400

  for (let round = 0; round < rounds; round++) {
    sockets.forEach((socket, id) => {
      for (const chunk of batch(id, round)) {
        sent[id].update(chunk)
        if (!socket.write(chunk, () => called++)) refused++
      }
    })
    await new Promise((resolve) => setImmediate(resolve))
  }

  t.ok(refused > 0, 'the kernel stopped taking batches')

  for (const socket of sockets) socket.end()
  release()

  const datas = await Promise.all(received)
  const digests = datas.map(sha256).sort()
  t.alike(digests, sent.map((hash) => hash.digest('hex')).sort())
  t.is(called, 2 * rounds * 256, 'every write callback ran')
})

test(
  'huge strings: 32 MiB of two-byte characters and 1 MiB of lone surrogates arrive as their UTF-8',
  { timeout: 60000 },
  async (t) => {
    const server = await echoServer(t)
    const socket = connect(t, server.address().port, '127.0.0.1')

    const wide = 'é'.repeat(16 * 1024 * 1024)
    const broken = '\ud800x\udfff'.repeat((1024 * 1024) / 3)

    const expected = crypto.createHash('sha256')
    expected.update(Buffer.from(wide, 'utf8'))
    expected.update(Buffer.from(broken, 'utf8'))

    const received = crypto.createHash('sha256')
    let bytes = 0
    socket.on('data', (data) => {
      received.update(data)
      bytes += data.byteLength
    })

    const results = []
    socket.write(wide, (err) => results.push(err))
    socket.end(broken, (err) => results.push(err))

    await once(socket, 'end')
    t.is(bytes, Buffer.byteLength(wide) + Buffer.byteLength(broken))
    t.is(received.digest('hex'), expected.digest('hex'))
    t.alike(results, [null, null])
    t.ok(sha256)
  }
)
