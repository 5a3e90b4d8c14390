const test = require('brittle')
const { listen, connect, collect, once } = require('./helpers')

test('allowHalfOpen true (default): the writable side stays open after the peer ends', async (t) => {
  const server = await listen(t, {}, async (socket) => {
    const request = await collect(socket)
    // The client has ended; this socket can still answer.
    socket.end(`got ${request}`)
  })

  const socket = connect(t, server.address().port, '127.0.0.1')
  socket.end('question')

  const answer = await collect(socket)
  t.is(answer.toString(), 'got question')
})

test('client side of a half-open connection keeps writing after end arrives', async (t) => {
  const server = await listen(t, {}, (socket) => {
    socket.end('bye')
    collect(socket).then((data) => (received = data.toString()))
  })

  let received = null
  const socket = connect(t, server.address().port, '127.0.0.1')

  await collect(socket)
  t.is(socket.readyState, 'writeOnly')

  socket.end('still writing')
  await once(socket, 'close')

  // Give the server's collect() its turn.
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.is(received, 'still writing')
})

test('allowHalfOpen false: the socket ends itself when the peer ends', async (t) => {
  let serverClosed = null
  const server = await listen(t, { allowHalfOpen: false }, (socket) => {
    serverClosed = once(socket, 'close')
    socket.resume()
  })

  const socket = connect(t, server.address().port, '127.0.0.1')
  socket.end()

  // The server socket ends its side by itself, so the client sees 'end'.
  await collect(socket)
  await serverClosed
  t.pass('server socket closed without calling end()')
})

test('allowHalfOpen false: our side ends after the end listeners, which can still write', async (t) => {
  let accepted = null
  const server = await listen(t, { allowHalfOpen: false }, (socket) => {
    accepted = socket
    socket.on('end', () => {
      states.push(socket.readyState)
      socket.write('last words')
    })
    socket.resume()
  })
  const states = []

  const socket = connect(t, server.address().port, '127.0.0.1')
  t.is(socket.allowHalfOpen, true, 'the default')
  socket.end('bye')
  const received = await collect(socket)

  t.is(accepted.allowHalfOpen, false, "a server's socket takes the server's option")
  t.alike(states, ['writeOnly'], "writable inside 'end', as in Node.js")
  t.is(received.toString(), 'last words', 'what was written in the listener arrived before our end')
})

test('allowHalfOpen false: a paused socket keeps its side open until it has delivered the end', async (t) => {
  const server = await listen(t, { allowHalfOpen: false }, (socket) => {
    socket.pause()
    setTimeout(() => socket.resume(), 200)
  })

  const socket = connect(t, server.address().port, '127.0.0.1')
  socket.end('data before the end')
  const start = Date.now()
  await collect(socket)
  t.ok(Date.now() - start >= 150, 'the server ended only once it read')
})

test('allowHalfOpen false on a client socket', async (t) => {
  const server = await listen(t, {}, (socket) => {
    socket.end()
    socket.resume()
  })

  const socket = connect(t, server.address().port, '127.0.0.1', { allowHalfOpen: false })
  socket.resume()

  await once(socket, 'close')
  t.pass('client closed by itself after the server ended')
})

test(
  'async iteration over a half-open socket ends with the peer, and the socket can still answer',
  { timeout: 10000 },
  async (t) => {
    const text = 'line of text\n'.repeat(5000)
    let reply = null
    const server = await listen(t, {}, (socket) => {
      socket.on('error', () => {})
      socket.end(text)
      collect(socket).then((data) => (reply = data.toString()))
    })

    const socket = connect(t, server.address().port, '127.0.0.1')
    const chunks = []
    for await (const chunk of socket) chunks.push(chunk)

    t.is(Buffer.concat(chunks).toString(), text, 'every byte, then the loop ended')
    t.is(socket.readyState, 'writeOnly', 'the writable side is still open')

    socket.end('thanks')
    await once(socket, 'close')
    for (let waited = 0; reply === null && waited < 2000; waited += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    t.is(reply, 'thanks', 'the peer got the answer sent after the loop')
  }
)

test('leaving an async iteration early destroys the socket', async (t) => {
  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
    socket.write('first')
  })

  const socket = connect(t, server.address().port, '127.0.0.1')
  const closed = once(socket, 'close')
  for await (const chunk of socket) {
    t.is(chunk.toString(), 'first')
    break
  }
  await closed
  t.ok(socket.destroyed, 'destroyed on break')
})

test('async iteration ends with the error that destroyed the socket', async (t) => {
  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
    socket.write('before the reset')
    setTimeout(() => socket.resetAndDestroy(), 50)
  })

  const socket = connect(t, server.address().port, '127.0.0.1')
  const chunks = []
  let error = null
  try {
    for await (const chunk of socket) chunks.push(chunk)
  } catch (err) {
    error = err
  }
  t.is(Buffer.concat(chunks).toString(), 'before the reset', 'the data before it')
  t.is(error && error.code, 'ECONNRESET', 'then the reset, thrown from the loop')
})

test('async iteration over a socket destroyed meanwhile throws an error with a code', async (t) => {
  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
    socket.write('some')
  })

  const socket = connect(t, server.address().port, '127.0.0.1')
  let error = null
  try {
    for await (const chunk of socket) {
      t.is(chunk.toString(), 'some')
      setTimeout(() => socket.destroy(), 10)
    }
  } catch (err) {
    error = err
  }
  t.ok(error, 'the loop threw')
  t.ok(error && typeof error.code === 'string', `with a code (${error && error.code})`)
})

test('async iteration reads a socket paused on connect, as resume() would', async (t) => {
  const chunks = []
  let done = null
  const finished = new Promise((resolve) => (done = resolve))

  const server = await listen(t, { pauseOnConnect: true }, async (socket) => {
    for await (const chunk of socket) chunks.push(chunk)
    done()
  })

  const client = connect(t, server.address().port, '127.0.0.1')
  client.end('paused, then iterated')
  await finished
  t.is(Buffer.concat(chunks).toString(), 'paused, then iterated')
})

test('async iteration answers every next() in order, even when asked again before an answer', async (t) => {
  const server = await listen(t, {}, (socket) => {
    socket.write('one')
    setTimeout(() => socket.write('two'), 30)
    setTimeout(() => socket.end(), 60)
  })

  const socket = connect(t, server.address().port, '127.0.0.1')
  const iterator = socket[Symbol.asyncIterator]()
  // Asked before anything arrived: both must settle, the first one first.
  const settled = []
  const first = iterator.next().then((result) => (settled.push('first'), result))
  const second = iterator.next().then((result) => (settled.push('second'), result))

  const results = await Promise.all([first, second])
  t.alike(settled, ['first', 'second'], 'answered in the order asked')
  t.is(results[0].value.toString(), 'one')
  t.is(results[1].value.toString(), 'two')

  const last = await iterator.next()
  t.is(last.done, true, 'then the end')
  t.alike(await iterator.next(), { value: undefined, done: true }, 'and done again after it')
})

test('next() after return() is done, and a next() still waiting when return() came is done too', async (t) => {
  const server = await listen(t, {}, (socket) => {
    socket.on('error', () => {})
  })

  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')
  const iterator = socket[Symbol.asyncIterator]()

  const waiting = iterator.next()
  t.alike(await iterator.return(), { value: undefined, done: true }, 'return() is done')
  t.alike(await waiting, { value: undefined, done: true }, 'the waiting next() is done')
  t.alike(
    await iterator.next(),
    { value: undefined, done: true },
    'a later next() is done, not an error'
  )
  t.ok(socket.destroyed, 'and the socket is destroyed')
})
