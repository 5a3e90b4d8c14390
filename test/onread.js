// The onread option: every read goes into one buffer of the program's own
// and to its callback, never through the stream, as in Node.js.

const test = require('brittle')
const crypto = require('bare-crypto')
const { tcp, listen, connect, once } = require('./helpers')
const { fixtureResult } = require('./fixtures/support')

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// A client of `server` reading into `buffer` through `callback`.
function reader(t, server, buffer, callback) {
  return connect(t, {
    port: server.address().port,
    host: '127.0.0.1',
    onread: { buffer, callback }
  })
}

// A server that sends `payload` to each connection and ends it.
function sender(t, payload) {
  return listen(t, {}, (socket) => socket.end(payload))
}

test('onread: every byte arrives, in order, in the one buffer; no data event; then end', async (t) => {
  const payload = crypto.randomBytes(3 * 1024 * 1024 + 17)
  const server = await sender(t, payload)

  const buffer = Buffer.alloc(5000)
  const hash = crypto.createHash('sha256')
  let calls = 0
  let received = 0
  let sameBuffer = true
  let self = null

  const socket = reader(t, server, buffer, function (length, buf) {
    calls++
    received += length
    if (buf !== buffer) sameBuffer = false
    self = this
    hash.update(buf.subarray(0, length))
  })

  let dataEvents = 0
  socket.on('data', () => dataEvents++)

  await once(socket, 'end')
  t.is(received, payload.length, 'every byte')
  t.alike(hash.digest(), crypto.createHash('sha256').update(payload).digest(), 'in order')
  t.ok(
    calls >= Math.ceil(payload.length / buffer.length),
    `no read larger than the buffer (${calls} calls)`
  )
  t.ok(sameBuffer, 'always the buffer given')
  t.is(self, socket, 'the callback runs with the socket as this')
  t.is(dataEvents, 0, "no 'data' event")
  t.is(socket.bytesRead, payload.length, 'bytesRead counts them')
})

test('onread: a callback answering false pauses the socket until resume()', async (t) => {
  const payload = Buffer.alloc(2 * 1024 * 1024, 'x')
  const server = await sender(t, payload)

  let calls = 0
  let received = 0
  let callsWhenPaused = 0

  const socket = reader(t, server, Buffer.alloc(1024), function (length) {
    calls++
    received += length
    if (calls === 3) {
      callsWhenPaused = calls
      return false
    }
  })

  while (calls < 3) await sleep(5)
  await sleep(100)
  t.is(calls, callsWhenPaused, 'no read while paused')

  socket.resume()
  await once(socket, 'end')
  t.is(received, payload.length, 'the rest after resume()')
})

test('onread: pause() and resume() from outside the callback stop and restart the reads', async (t) => {
  let writer = null
  const server = await listen(t, {}, (socket) => {
    writer = socket
  })

  let received = 0
  const socket = reader(t, server, Buffer.alloc(64), function (length) {
    received += length
  })
  await once(socket, 'connect')
  while (writer === null) await sleep(5)

  writer.write('first')
  while (received < 5) await sleep(5)

  socket.pause()
  writer.write('second')
  await sleep(100)
  t.is(received, 5, 'nothing read while paused')

  socket.resume()
  while (received < 11) await sleep(5)
  t.is(received, 11, 'read after resume()')
})

test('onread: a function for the buffer is called once, when reading starts', async (t) => {
  const server = await sender(t, Buffer.alloc(100000, 'y'))

  let made = 0
  const buffer = new Uint8Array(777)
  let received = 0
  let largest = 0

  const socket = connect(t, {
    port: server.address().port,
    host: '127.0.0.1',
    onread: {
      buffer() {
        made++
        return buffer
      },
      callback(length, buf) {
        t.is(buf, buffer)
        received += length
        largest = Math.max(largest, length)
      }
    }
  })
  t.is(made, 0, 'not before the connection')

  await once(socket, 'end')
  t.is(made, 1, 'once')
  t.is(received, 100000)
  t.ok(largest <= 777, 'reads fit the buffer it returned')
})

test('onread: a socket made with new Socket() and connected later reads into its buffer', async (t) => {
  const server = await sender(t, 'hello')

  let text = ''
  const buffer = Buffer.alloc(16)
  const socket = new tcp.Socket({
    onread: {
      buffer,
      callback(length) {
        text += buffer.toString('utf8', 0, length)
      }
    }
  })
  t.teardown(() => socket.destroy())
  socket.connect(server.address().port, '127.0.0.1')

  await once(socket, 'end')
  t.is(text, 'hello')
})

test('onread: a bad option throws INVALID_ARGUMENT; a bad buffer from a function destroys the socket', async (t) => {
  const bad = [
    'no',
    { buffer: Buffer.alloc(8) },
    { buffer: Buffer.alloc(8), callback: 'no' },
    { buffer: Buffer.alloc(0), callback() {} },
    { buffer: [1, 2, 3], callback() {} },
    { buffer: new Uint16Array(4), callback() {} }
  ]
  for (const onread of bad) {
    try {
      tcp.createConnection({ port: 1, host: '127.0.0.1', onread })
      t.fail('accepted ' + JSON.stringify(onread))
    } catch (err) {
      t.is(err.code, 'INVALID_ARGUMENT')
    }
    try {
      new tcp.Socket({ onread })
      t.fail('new Socket accepted ' + JSON.stringify(onread))
    } catch (err) {
      t.is(err.code, 'INVALID_ARGUMENT')
    }
  }

  const server = await sender(t, 'data')
  const socket = connect(t, {
    port: server.address().port,
    host: '127.0.0.1',
    onread: { buffer: () => 'not a buffer', callback() {} }
  })
  const closed = once(socket, 'close')
  const [err] = await once(socket, 'error')
  t.is(err.code, 'INVALID_ARGUMENT')
  await closed
})

test('onread: destroy() inside the callback stops the reads, and close follows', async (t) => {
  const server = await sender(t, Buffer.alloc(1024 * 1024, 'z'))

  let calls = 0
  let afterDestroy = 0
  const socket = reader(t, server, Buffer.alloc(512), function () {
    if (socket.destroyed) afterDestroy++
    if (++calls === 2) socket.destroy()
  })

  await once(socket, 'close')
  t.is(afterDestroy, 0, 'no read after destroy()')
  t.is(calls, 2)
})

test('onread: a callback that throws is reported, and the socket reads on', async (t) => {
  const result = await fixtureResult(t, 'throwing-onread.js')
  if (!result) return

  t.ok(result.errors.length > 0, 'the error was reported as uncaught')
  t.ok(
    result.errors.every((message) => message === 'callback failed'),
    'only the callback failed'
  )
  t.is(result.received, result.size, 'every byte read')
})

test('onread: pause() inside the buffer function holds the first read until resume()', async (t) => {
  const server = await sender(t, Buffer.alloc(64 * 1024, 'p'))

  let paused = false
  let whilePaused = 0
  let received = 0
  const socket = reader(
    t,
    server,
    () => {
      paused = true
      socket.pause()
      setTimeout(() => {
        paused = false
        socket.resume()
      }, 100)
      return Buffer.alloc(1000)
    },
    (length) => {
      if (paused) whilePaused++
      received += length
    }
  )

  await once(socket, 'end')
  t.is(whilePaused, 0, 'no read while paused')
  t.is(received, 64 * 1024)
})

test('onread: a buffer detached while in use fails the socket with INVALID_ARGUMENT, and its memory is not written again', async (t) => {
  let writer = null
  const server = await listen(t, {}, (socket) => {
    writer = socket
    socket.write('first')
  })

  let kept = null
  const socket = reader(t, server, Buffer.alloc(4096), (length, buffer) => {
    // The memory moves to a new buffer the program owns.
    if (kept === null) kept = new Uint8Array(buffer.buffer.transfer())
  })

  while (kept === null) await new Promise((resolve) => setTimeout(resolve, 5))
  const before = Buffer.from(kept)

  const closed = once(socket, 'close')
  writer.write(Buffer.alloc(100000, 'x'))
  const [err] = await once(socket, 'error')
  t.is(err.code, 'INVALID_ARGUMENT')
  await closed
  t.alike(Buffer.from(kept), before, 'the transferred memory is untouched')
})

test('onread: Bare.exit() inside the callback runs no callback after it', async (t) => {
  const result = await fixtureResult(t, 'exit-onread.js')
  if (!result) return

  t.is(result.calls, result.exitedAt, 'none after the exit')
})
