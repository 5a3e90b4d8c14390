const test = require('brittle')
const { tcp, listen, connect, collect, once } = require('./helpers')
const { AbortController } = require('bare-abort-controller')
const tools = require('./helpers/tools')

test('listen(0) picks a free port; address() reports it, null when not listening', async (t) => {
  const server = tcp.createServer()
  t.is(server.address(), null)
  t.is(server.listening, false)

  server.listen(0, '127.0.0.1')
  t.is(server.listening, true, 'listening as soon as the socket is bound')
  await once(server, 'listening')

  const address = server.address()
  t.is(address.address, '127.0.0.1')
  t.is(address.family, 'IPv4')
  t.ok(address.port > 0)

  await new Promise((resolve) => server.close(resolve))
  t.is(server.address(), null)
  t.is(server.listening, false)
})

test('listen forms: (port, host, backlog, cb), (options, cb), (cb) and a host name', async (t) => {
  const a = tcp.createServer()
  await new Promise((resolve) => a.listen(0, '127.0.0.1', 10, resolve))
  t.ok(a.address().port)

  const b = tcp.createServer()
  await new Promise((resolve) => b.listen({ port: 0, host: '127.0.0.1', backlog: 5 }, resolve))
  t.ok(b.address().port)

  const c = tcp.createServer()
  const looked = []
  c.on('lookup', (err, address, family, host) => looked.push([err, address, family, host]))
  await new Promise((resolve) => c.listen(resolve))
  t.alike(looked, [[null, '127.0.0.1', 4, 'localhost']], 'host defaults to localhost, resolved')
  t.is(c.address().address, '127.0.0.1')

  for (const server of [a, b, c]) await new Promise((resolve) => server.close(resolve))
})

test('the connection listener gets a connected socket; connections tracks it', async (t) => {
  t.plan(6)

  const server = await listen(t, {}, (socket) => {
    t.ok(socket instanceof tcp.Socket)
    t.is(server.connections.has(socket), true)
    t.is(socket.remoteAddress, '127.0.0.1')
    t.is(socket.localPort, server.address().port)

    socket.on('close', () => {
      queueMicrotask(() => t.is(server.connections.size, 0, 'removed once closed'))
    })

    socket.end('hi')
  })

  const socket = connect(t, server.address().port, '127.0.0.1')
  const data = await collect(socket)
  t.is(data.toString(), 'hi')
  socket.end()
})

test('server options apply to every accepted socket', async (t) => {
  const server = await listen(
    t,
    { readBufferSize: 10, noDelay: true, keepAlive: true, keepAliveInitialDelay: 3000 },
    (socket) => {
      socket.end(Buffer.alloc(1000, 1))
    }
  )

  const socket = connect(t, server.address().port, '127.0.0.1')
  const data = await collect(socket)
  t.is(data.byteLength, 1000)

  let largest = 0
  const small = await listen(t, { readBufferSize: 10 }, (socket) => {
    socket.on('data', (data) => (largest = Math.max(largest, data.byteLength)))
    socket.on('end', () => socket.end())
  })

  const client = connect(t, small.address().port, '127.0.0.1')
  client.end(Buffer.alloc(1000, 2))
  await once(client, 'close')
  t.ok(largest > 0 && largest <= 10, `reads were at most ${largest} bytes`)
})

test('pauseOnConnect leaves data unread until the socket is asked for it: resume() or a data listener', async (t) => {
  const peers = []
  const server = await listen(t, { pauseOnConnect: true }, (socket) => peers.push(socket))

  for (const ask of ['resume', 'data listener']) {
    const socket = connect(t, server.address().port, '127.0.0.1')
    socket.write('waiting')
    await once(socket, 'connect')
    await new Promise((resolve) => setTimeout(resolve, 100))

    const peer = peers.pop()
    t.is(peer.bytesRead, 0, `${ask}: nothing read while paused`)
    t.is(peer.isPaused(), true)

    // Each alone: a 'data' listener would end the pause for resume() too.
    // As in the published bare-tcp, a 'data' listener asks: bare-net's
    // sockets listen for 'data' on the socket they wrap.
    if (ask === 'resume') {
      peer.resume()
      for (let i = 0; i < 200 && peer.bytesRead < 7; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
    } else {
      let received = ''
      peer.on('data', (data) => (received += data))
      await once(peer, 'data')
      t.is(received, 'waiting')
    }
    t.is(peer.bytesRead, 7, `${ask}: read`)
    t.is(peer.isPaused(), false)
  }
})

test('close() stops accepting at once and emits close after every connection ended', async (t) => {
  const accepted = []
  const server = await listen(t, {}, (socket) => accepted.push(socket))
  const { port } = server.address()

  const client = connect(t, port, '127.0.0.1')
  await once(server, 'connection')

  let closed = false
  server.close(() => (closed = true))
  t.is(server.closing, true)
  t.is(server.listening, false)

  const refused = connect(t, port, '127.0.0.1')
  const [err] = await once(refused, 'error')
  t.is(err.code, 'ECONNREFUSED', 'new connections are refused while closing')

  client.write('still served')
  const [data] = await once(accepted[0], 'data')
  t.is(data.toString(), 'still served', 'existing connections keep working')
  t.absent(closed, 'no close while a connection lives')

  client.end()
  accepted[0].end()
  await once(server, 'close')
  t.ok(closed)
  t.is(server.closing, false)
})

test("close() when not listening calls back with SERVER_IS_CLOSED, then emits 'close' as in Node.js", async (t) => {
  const server = tcp.createServer()
  const order = []
  server.on('close', () => order.push('close'))
  const [err] = await new Promise((resolve) =>
    server.close((...args) => {
      order.push('callback')
      resolve(args)
    })
  )
  t.is(err.code, 'SERVER_IS_CLOSED')
  await new Promise((resolve) => setTimeout(resolve, 10))
  t.alike(order, ['callback', 'close'])
})

test('EADDRINUSE is an error event; the server can listen again afterwards', async (t) => {
  const first = await listen(t)
  const { port } = first.address()

  const second = tcp.createServer()
  second.listen(port, '127.0.0.1')

  const [err] = await once(second, 'error')
  t.is(err.code, 'EADDRINUSE')
  t.is(err.address, '127.0.0.1')
  t.is(err.port, port)
  t.is(err.syscall, 'listen', 'as in Node.js')
  t.is(err.message, `listen EADDRINUSE: address already in use 127.0.0.1:${port}`)
  t.is(second.listening, false)

  second.listen(0, '127.0.0.1')
  await once(second, 'listening')
  t.ok(second.address().port !== port)
  await new Promise((resolve) => second.close(resolve))
})

test('a closed server can listen again', async (t) => {
  const server = tcp.createServer((socket) => socket.end('again'))

  for (let i = 0; i < 3; i++) {
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')

    const socket = connect(t, server.address().port, '127.0.0.1')
    const data = await collect(socket)
    t.is(data.toString(), 'again', `round ${i}`)
    socket.end()

    await new Promise((resolve) => server.close(resolve))
  }
})

test('listening twice throws SERVER_ALREADY_LISTENING; while closing, SERVER_IS_CLOSED', async (t) => {
  const server = await listen(t, {}, () => {})
  t.exception(() => server.listen(0, '127.0.0.1'), /SERVER_ALREADY_LISTENING/)

  const client = connect(t, server.address().port, '127.0.0.1')
  await once(server, 'connection')

  server.close()
  t.exception(() => server.listen(0, '127.0.0.1'), /SERVER_IS_CLOSED/)
  client.destroy()
})

test("close() while a close is under way calls back with SERVER_IS_CLOSED; that close's 'close' comes once", async (t) => {
  const server = await listen(t, {}, () => {})
  let closes = 0
  server.on('close', () => closes++)

  server.close()
  const [err] = await new Promise((resolve) => server.close((...args) => resolve(args)))
  t.is(err.code, 'SERVER_IS_CLOSED')

  if (closes === 0) await once(server, 'close')
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.is(closes, 1)
})

test('a host name that does not resolve is an error event with ENOTFOUND', async (t) => {
  const server = tcp.createServer()
  server.listen(0, 'nonexistent.invalid')
  const [err] = await once(server, 'error')
  t.is(err.code, 'ENOTFOUND')
  t.is(server.listening, false)
})

test('many clients at once are all accepted and served', async (t) => {
  const server = await listen(t, {}, (socket) => socket.pipe(socket))
  const { port } = server.address()

  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) => {
      const socket = connect(t, port, '127.0.0.1')
      socket.end(`client ${i}`)
      return collect(socket).then((data) => data.toString() === `client ${i}`)
    })
  )

  t.is(results.filter(Boolean).length, 200)
})

test('the backlog defaults to 511 and can be set', async (t) => {
  const { spawn } = require('bare-subprocess')

  // ss shows a listening socket's backlog in its Send-Q column.
  async function backlogOf(port) {
    const child = spawn('ss', ['-Hltn', `sport = :${port}`], {
      stdio: ['ignore', 'pipe', 'ignore']
    })
    let out = ''
    child.stdout.on('data', (data) => (out += data))
    await once(child, 'exit')
    return Number(out.trim().split(/\s+/)[2])
  }

  const byDefault = await listen(t)
  t.is(await backlogOf(byDefault.address().port), 511)

  const small = tcp.createServer()
  t.teardown(() => small.close())
  await new Promise((resolve) => small.listen(0, '127.0.0.1', 7, resolve))
  t.is(await backlogOf(small.address().port), 7)
})

test('a connection the listener does not take is closed, and the next one is accepted', async (t) => {
  // On the addon directly: a server's JavaScript always takes what it is
  // offered, so only a listener of our own can decline.
  const binding = require('../lib/native')

  let declining = true
  const accepted = []
  const owner = {
    _onconnection(err) {
      if (err || declining) return
      accepted.push(binding.accept(handle, { _onclose() {} }, 1))
    },
    _onclose() {}
  }

  const handle = binding.init(owner, 1)
  t.teardown(() => {
    for (const connection of accepted) binding.close(connection)
    binding.close(handle)
  })

  binding.listen(handle, '127.0.0.1', 0, 16, false, false)
  const { port } = binding.sockname(handle)

  const declined = connect(t, port, '127.0.0.1')
  declined.on('error', () => {})
  declined.resume()
  await once(declined, 'end')
  t.pass('the declined connection was ended by the server')

  declining = false
  const taken = connect(t, port, '127.0.0.1')
  await once(taken, 'connect')
  for (let i = 0; i < 400 && accepted.length === 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  t.is(accepted.length, 1, 'the next connection was accepted')
})

test('accept() outside of a connection callback throws EAGAIN', async (t) => {
  const server = await listen(t)
  const binding = require('../lib/native')
  t.exception(() => binding.accept(server._handle, {}, 1), /EAGAIN/)
})

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// A lookup that answers each name after its own delay.
function delayedLookup(answers) {
  return (host, opts, cb) => {
    const [delay, err, address] = answers[host]
    setTimeout(() => cb(err, address, address && address.includes(':') ? 6 : 4), delay)
  }
}

test('a listen() abandoned during its lookup neither completes nor fails the next one', async (t) => {
  const lookup = delayedLookup({
    'first.test': [10, null, '::1'],
    'failing.test': [10, Object.assign(new Error('no such host'), { code: 'ENOTFOUND' })],
    'second.test': [80, null, '127.0.0.1']
  })

  for (const first of ['first.test', 'failing.test']) {
    const server = tcp.createServer()
    const events = []
    server.on('error', (err) => events.push('error ' + err.code))
    server.on('lookup', (err, address, family, host) => events.push('lookup ' + host))

    server.listen({ port: 0, host: first, lookup })
    server.close(() => server.listen({ port: 0, host: 'second.test', lookup }))
    await once(server, 'listening')

    t.is(server.address().address, '127.0.0.1', `after ${first}: the second listen's address`)
    await sleep(30)
    t.alike(events, ['lookup second.test'], `after ${first}: only the second lookup is heard`)
    t.is(server.listening, true)
    await new Promise((resolve) => server.close(resolve))
  }
})

test('the signal of a listen() that failed to resolve is let go', async (t) => {
  const server = tcp.createServer()
  const controller = new AbortController()
  server.listen({
    host: 'failing.test',
    signal: controller.signal,
    lookup: (host, opts, cb) => cb(new Error('no such host'))
  })
  const [err] = await once(server, 'error')
  t.is(err.code, 'ENOTFOUND')
  t.is(err.message, 'getaddrinfo ENOTFOUND failing.test', 'a lookup error without a code')

  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  controller.abort()
  await sleep(10)
  t.is(server.listening, true, 'the old signal does not close the new listener')
  await new Promise((resolve) => server.close(resolve))
})

test('a lookup that answers no IP address, or throws, fails listen() with ENOTFOUND', async (t) => {
  const answers = [
    (cb) => cb(null, { address: '127.0.0.1', family: 4 }),
    (cb) => cb(null, 42),
    (cb) => cb(null, 'not an address'),
    (cb) => cb(null, '::1%' + 'a'.repeat(61)),
    () => {
      throw new TypeError('lookup exploded')
    }
  ]

  for (const answer of answers) {
    const server = tcp.createServer()
    const lookups = []
    server.on('lookup', (err) => lookups.push(err))
    server.listen({ host: 'odd.test', lookup: (host, opts, cb) => answer(cb) })
    const [err] = await once(server, 'error')
    t.is(err.code, 'ENOTFOUND', String(answer))
    t.is(lookups.length === 1 && lookups[0], err, 'the lookup event carries it')
    t.is(server.listening, false)
  }
})

test('a lookup may answer listen() with a list, as for sockets', async (t) => {
  const server = tcp.createServer()
  t.teardown(() => server.close())
  server.listen({
    host: 'list.test',
    lookup: (host, opts, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }])
  })
  await once(server, 'listening')
  t.is(server.address().address, '127.0.0.1')
})

test('getConnections() without a callback throws INVALID_ARGUMENT', async (t) => {
  const server = await listen(t)
  t.exception(() => server.getConnections(), /INVALID_ARGUMENT/)
  t.exception(() => server.getConnections('cb'), /INVALID_ARGUMENT/)
  const [err, count] = await new Promise((resolve) =>
    server.getConnections((...args) => resolve(args))
  )
  t.is(err, null)
  t.is(count, 0)
})

test('maxConnections takes Infinity as no limit', async (t) => {
  t.is(tcp.createServer().maxConnections, Infinity, 'the default, as the published bare-tcp says')
  const server = await listen(t, { maxConnections: Infinity })
  t.is(server.maxConnections, Infinity)
  server.maxConnections = Infinity
  t.exception(() => (server.maxConnections = -Infinity), /INVALID_ARGUMENT/)
  t.exception(() => (server.maxConnections = NaN), /INVALID_ARGUMENT/)

  const client = connect(t, server.address().port, '127.0.0.1')
  const [socket] = await once(server, 'connection')
  t.ok(socket, 'a connection is taken')
  client.destroy()
})

test('listen(port, host, backlog, options, onlistening) takes the options in fourth place', async (t) => {
  const a = tcp.createServer()
  const b = tcp.createServer()
  const c = tcp.createServer()
  t.teardown(() => {
    a.close()
    b.close()
    c.close()
  })

  await new Promise((resolve) => a.listen(0, '127.0.0.1', 16, { reusePort: true }, resolve))
  const { port } = a.address()

  await new Promise((resolve) => b.listen(port, '127.0.0.1', 16, { reusePort: true }, resolve))
  t.is(b.address().port, port, 'reusePort shares the port')

  c.listen(port, '127.0.0.1', 16, {})
  const [err] = await once(c, 'error')
  t.is(err.code, 'EADDRINUSE', 'without it the port is taken')
})

test('listen() throws for a path, a listener that is not a function and a literal too long', async (t) => {
  const server = tcp.createServer()
  t.exception(() => server.listen({ path: '/tmp/bare-tcp.sock' }), /INVALID_ARGUMENT/)
  t.exception(() => server.listen(0, '127.0.0.1', 511, {}, 'listening'), /INVALID_ARGUMENT/)
  t.exception(() => server.listen(0, '::1%' + 'a'.repeat(61)), /INVALID_HOST/)
  t.exception(() => server.listen({ port: 0, host: '::1', family: 4 }), /INVALID_HOST/)
  t.is(server.listening, false)

  // The longest literal the addon takes (libuv ignores an unknown zone).
  const longest = '::1%' + 'a'.repeat(tcp.constants.address.MAX_LENGTH - 4)
  server.listen(0, longest)
  await once(server, 'listening')
  t.is(server.address().address, '::1')
  await new Promise((resolve) => server.close(resolve))
})

test('pauseOnConnect ends for any consumer: a data listener (as in the published bare-tcp), resume(), pipe(), read() and a readable listener', async (t) => {
  const { Writable } = require('bare-stream')
  const consumers = {
    data(socket, done) {
      socket.on('data', (data) => done(data.toString()))
    },
    // No 'data' listener, which would end the pause by itself: the bytes
    // flow past, and 'end' comes once they all did.
    resume(socket, done) {
      socket.resume()
      socket.on('end', () => done(socket.bytesRead === 5 ? 'hello' : `${socket.bytesRead} bytes`))
    },
    pipe(socket, done) {
      let text = ''
      socket.pipe(
        new Writable({
          write(data, encoding, cb) {
            text += data
            cb(null)
          },
          final(cb) {
            done(text)
            cb(null)
          }
        })
      )
    },
    readable(socket, done) {
      let text = ''
      socket.on('readable', () => {
        let data
        while ((data = socket.read()) !== null) text += data
      })
      socket.on('end', () => done(text))
    },
    read(socket, done) {
      t.is(socket.read(), null, 'nothing read yet')
      socket.on('readable', () => done(String(socket.read())))
    }
  }

  for (const [name, consume] of Object.entries(consumers)) {
    let result = null
    const server = await listen(t, { pauseOnConnect: true }, (socket) => {
      consume(socket, (text) => (result = text))
    })
    const client = connect(t, server.address().port, '127.0.0.1')
    client.end('hello')

    const deadline = Date.now() + 5000
    while (result === null && Date.now() < deadline) await sleep(5)
    t.is(result, 'hello', name)
  }
})

test("a failed listen stays the server's listen until its error is emitted", async (t) => {
  const first = await listen(t)
  const { port } = first.address()

  const second = tcp.createServer()
  t.teardown(() => second.close())
  second.listen(port, '127.0.0.1')

  try {
    second.listen(0, '127.0.0.1')
    t.fail("a second listen() was taken while the first one's failure was still to come")
  } catch (err) {
    t.is(err.code, 'SERVER_ALREADY_LISTENING')
  }

  const [err] = await once(second, 'error')
  t.is(err.code, 'EADDRINUSE', "the first listen's own error")

  second.listen(0, '127.0.0.1')
  await once(second, 'listening')
  t.pass('and then it can listen again')
})

test('a signal aborted before listen() closes the server, and close() before an error abandons it', async (t) => {
  const server = tcp.createServer()
  const controller = new AbortController()
  controller.abort()
  server.listen({ port: 0, host: '127.0.0.1', signal: controller.signal })
  t.exception(() => server.listen(0, '127.0.0.1'), /SERVER_ALREADY_LISTENING/)
  await once(server, 'close')
  t.is(server.listening, false)

  const busy = await listen(t)
  const quiet = tcp.createServer()
  let errors = 0
  quiet.on('error', () => errors++)
  quiet.listen(busy.address().port, '127.0.0.1')
  quiet.close()
  await once(quiet, 'close')
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.is(errors, 0, 'no error after close()')
})

test('a backlog of 0 is the default, 511, as in Node.js', tools.requires('ss'), async (t) => {
  for (const backlog of [0, 3]) {
    const server = tcp.createServer()
    t.teardown(() => server.close())
    server.listen(0, '127.0.0.1', backlog)
    await once(server, 'listening')

    const { stdout } = await tools.run(t, 'ss', ['-ltnH', `sport = :${server.address().port}`])
    const fields = stdout.trim().split(/\s+/)
    t.is(
      fields[2],
      String(backlog || 511),
      `backlog ${backlog}: the kernel's queue (${stdout.trim()})`
    )
    await new Promise((resolve) => server.close(resolve))
  }
})

test('a listen lookup answering another family than asked for fails with ENOTFOUND', async (t) => {
  const server = tcp.createServer()
  server.listen({
    port: 0,
    host: 'v6only.test',
    family: 4,
    lookup: (host, opts, cb) => cb(null, '::1', 6)
  })
  const [err] = await once(server, 'error')
  t.is(err.code, 'ENOTFOUND')
  t.is(err.errno, -3008)
  t.is(server.listening, false)
})

test("listen(port, backlog, cb) takes the number as the backlog, as Node.js does; close() on an idle server emits 'close' even when listen() follows", async (t) => {
  const server = tcp.createServer()
  const events = []
  server.on('close', () => events.push('close'))
  server.close((err) => events.push('close cb ' + (err && err.code)))
  server.listen(0, 511, () => events.push('listening'))
  await once(server, 'listening')
  t.ok(server.address().port > 0)
  t.is(server.address().address, '127.0.0.1', 'on localhost, the default host')
  t.alike(events, ['close cb SERVER_IS_CLOSED', 'close', 'listening'])
  server.close()
  await once(server, 'close')
})

test("a socket's 'close' listeners no longer find it in server.connections, and the server's 'close' comes after them", async (t) => {
  const seen = []
  const server = tcp.createServer((socket) => {
    socket.on('close', () => {
      seen.push(`socket close: ${server.connections.size} left, ${server.connections.has(socket)}`)
      server.getConnections((err, count) => seen.push(`getConnections: ${err} ${count}`))
    })
    server.close(() => seen.push('server close'))
    socket.end()
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))

  const client = tcp.createConnection(server.address().port, '127.0.0.1')
  client.on('end', () => client.end()).resume()
  await once(server, 'close')
  await new Promise((resolve) => setTimeout(resolve, 10))

  t.alike(seen, ['socket close: 0 left, false', 'server close', 'getConnections: null 0'])
})

test('listen() passes family and hints to a custom lookup', async (t) => {
  const asked = []
  const lookup = (host, opts, cb) => {
    asked.push(opts)
    cb(null, '127.0.0.1', 4)
  }

  for (const hints of [1024, undefined]) {
    const server = tcp.createServer()
    await new Promise((resolve) =>
      server.listen({ port: 0, host: 'example.test', hints, lookup }, resolve)
    )
    await new Promise((resolve) => server.close(resolve))
  }

  t.alike(asked, [
    { family: 0, hints: 1024 },
    { family: 0, hints: undefined }
  ])
  t.exception(() => tcp.createServer().listen({ port: 0, hints: -1 }), /INVALID_ARGUMENT/)
})
