const test = require('brittle')
const { AbortController } = require('bare-abort-controller')
const { tcp, listen, echoServer, connect, once } = require('./helpers')

test('connect(port, host, onconnect) reaches the server and emits connect', async (t) => {
  t.plan(5)

  const server = await listen(t, {}, (socket) => socket.end('hello'))
  const { port } = server.address()

  const socket = connect(t, port, '127.0.0.1', () => {
    t.pass('onconnect called')
    t.is(socket.remoteAddress, '127.0.0.1')
    t.is(socket.remotePort, port)
    t.is(socket.remoteFamily, 'IPv4')
  })

  socket.on('data', (data) => t.is(data.toString(), 'hello'))
  socket.on('end', () => socket.end())
})

test('connect(options, onconnect) and new Socket().connect()', async (t) => {
  t.plan(2)

  const server = await echoServer(t)
  const { port } = server.address()

  connect(t, { port, host: '127.0.0.1' }, () => t.pass('options form'))

  const socket = new tcp.Socket()
  t.teardown(() => socket.destroy())
  socket.connect(port, '127.0.0.1', {}, () => t.pass('socket.connect with options'))
})

test('tcp.connect is an alias of createConnection', (t) => {
  t.is(tcp.connect, tcp.createConnection)
})

test('host defaults to localhost and is resolved with a lookup event', async (t) => {
  t.plan(5)

  const server = await echoServer(t)
  const { port } = server.address()

  const socket = connect(t, port)

  socket.on('lookup', (err, address, family, host) => {
    t.is(err, null)
    t.is(address, '127.0.0.1')
    t.is(family, 4)
    t.is(host, 'localhost')
  })

  socket.on('connect', () => t.pass('connected'))
})

test('IP literals skip the lookup', async (t) => {
  const server = await echoServer(t)

  let looked = false
  const socket = connect(t, server.address().port, '127.0.0.1', {
    lookup() {
      looked = true
    }
  })

  socket.on('lookup', () => (looked = true))

  await once(socket, 'connect')
  t.absent(looked)
})

test('an IP literal is tried after connect() returns, so connectionAttempt is heard', async (t) => {
  const server = await echoServer(t)
  const { port } = server.address()

  const events = []
  const socket = connect(t, port, '127.0.0.1')
  socket.on('connectionAttempt', (...args) => events.push(['attempt', ...args]))
  await once(socket, 'connect')
  t.alike(events, [['attempt', '127.0.0.1', port, 4]])

  const closed = new Promise((resolve) => server.close(resolve))
  for (const connection of server.connections) connection.destroy()
  await closed
  const refused = connect(t, port, '127.0.0.1')
  const failures = []
  refused.on('connectionAttempt', (address) => failures.push('attempt ' + address))
  refused.on('connectionAttemptFailed', (address, p, family, err) =>
    failures.push('failed ' + err.code)
  )
  refused.on('error', (err) => failures.push('error ' + err.code))
  await once(refused, 'close')
  t.alike(failures, ['attempt 127.0.0.1', 'failed ECONNREFUSED', 'error ECONNREFUSED'])

  const destroyed = connect(t, port, '127.0.0.1')
  destroyed.on('connectionAttempt', () => t.fail('no attempt after destroy()'))
  destroyed.destroy()
  await once(destroyed, 'close')
})

test('a lookup that throws, or answers an error without a code, fails with ENOTFOUND', async (t) => {
  const thrown = new TypeError('lookup exploded')
  const lookups = [
    () => {
      throw thrown
    },
    (host, opts, cb) => cb(new Error('no such host')),
    (host, opts, cb) => cb(null, [{ address: '::1%' + 'a'.repeat(61), family: 6 }])
  ]

  for (const lookup of lookups) {
    const socket = connect(t, 80, 'odd.test', { lookup })
    const [err] = await once(socket, 'error')
    t.is(err.code, 'ENOTFOUND')
    t.is(err.message, 'getaddrinfo ENOTFOUND odd.test')
  }

  const socket = connect(t, 80, 'odd.test', { lookup: lookups[0] })
  const [err] = await once(socket, 'error')
  t.is(err.cause, thrown, 'the thrown error is the cause')
})

test('a lookup answer that throws as it is read fails the connect or listen, synchronous or not', async (t) => {
  // The answer is read after connect() returns: a throw there would be
  // uncaught, and end the process.
  const revoked = Proxy.revocable([], {})
  revoked.revoke()
  const answers = [
    () => [
      {
        get address() {
          throw new Error('getter')
        }
      }
    ],
    () =>
      new Proxy([], {
        get() {
          throw new Error('proxy')
        }
      }),
    () => revoked.proxy
  ]

  for (const answer of answers) {
    for (const sync of [true, false]) {
      const lookup = (host, opts, cb) => {
        if (sync) cb(null, answer())
        else setTimeout(() => cb(null, answer()), 1)
      }
      const socket = connect(t, 80, 'odd.test', { lookup })
      const [err] = await once(socket, 'error')
      t.is(err.code, 'ENOTFOUND')

      const server = tcp.createServer()
      server.listen({ port: 0, host: 'odd.test', lookup })
      const [listenErr] = await once(server, 'error')
      t.is(listenErr.code, 'ENOTFOUND')
    }
  }
})

test('lookup errors carry errno, as in Node.js; a code that is not a string is not found', async (t) => {
  const errs = {}
  for (const [name, lookupErr] of [
    ['einval', Object.assign(new Error('bad name'), { code: 'EINVAL' })],
    ['eai_again', Object.assign(new Error('try again'), { code: 'EAI_AGAIN' })],
    ['numeric', { code: 42 }],
    ['own errno', { code: 'EAI_AGAIN', errno: 42 }]
  ]) {
    const socket = connect(t, 80, 'odd.test', { lookup: (host, opts, cb) => cb(lookupErr) })
    ;[errs[name]] = await once(socket, 'error')
  }

  t.is(errs.einval.code, 'EINVAL')
  t.is(errs.einval.errno, -22)
  t.is(errs.eai_again.code, 'EAI_AGAIN')
  t.is(errs.eai_again.errno, -3001)
  t.is(errs.numeric.code, 'ENOTFOUND')
  t.is(errs.numeric.errno, -3008)
  t.is(errs['own errno'].errno, 42, 'an errno the error has is kept')
})

test('remoteAddress is the peer as the kernel has it, not the address as written', async (t) => {
  const server = await listen(t, { host: '::' }, (socket) => socket.end())
  const { port } = server.address()

  const cases = [
    ['0.0.0.0', '127.0.0.1', 'IPv4'],
    ['::', '::1', 'IPv6'],
    ['0:0:0:0:0:0:0:1', '::1', 'IPv6'],
    ['::1%lo', '::1', 'IPv6'],
    ['::FFFF:7f00:1', '::ffff:127.0.0.1', 'IPv6'],
    ['::ffff:0.0.0.0', '::ffff:127.0.0.1', 'IPv6']
  ]

  for (const [host, address, family] of cases) {
    const socket = connect(t, port, host)
    await once(socket, 'connect')
    t.is(socket.remoteAddress, address, host)
    t.is(socket.remoteFamily, family)
    t.is(socket.remotePort, port)
    socket.resume()
    socket.end()
    await once(socket, 'close')
    t.is(socket.remoteAddress, address, 'kept after close')
  }
})

test('a lookup with no usable address emits lookup with ENOTFOUND; only addresses of another family are ENOTFOUND too', async (t) => {
  for (const answer of [[], [{ address: 'nope', family: 4 }]]) {
    const socket = connect(t, 80, 'empty.test', { lookup: (host, opts, cb) => cb(null, answer) })
    const looked = once(socket, 'lookup')
    const [err] = await once(socket, 'error')
    const [lookupErr] = await looked
    t.is(err.code, 'ENOTFOUND', `answer ${JSON.stringify(answer)}`)
    t.is(err.errno, -3008, 'with the errno Node.js gives it')
    t.is(lookupErr, err, "and 'lookup' carried it")
  }

  const socket = connect(t, 80, 'v4only.test', {
    family: 6,
    lookup: (host, opts, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }])
  })
  const lookups = []
  socket.on('lookup', (...argv) => lookups.push(argv))
  const [err] = await once(socket, 'error')
  t.alike(lookups, [[err, undefined, undefined, 'v4only.test']], "only 'lookup' with the error")
  t.is(err.code, 'ENOTFOUND')
  t.is(err.message, 'getaddrinfo ENOTFOUND v4only.test')
  t.is(err.cause.message, 'v4only.test has no IPv6 address')
})

test('a refused connection errors with code, errno, syscall, address and port', async (t) => {
  const server = await listen(t)
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))

  const socket = connect(t, port, '127.0.0.1')
  const closed = once(socket, 'close')
  const [err] = await once(socket, 'error')

  t.is(err.code, 'ECONNREFUSED')
  t.is(typeof err.errno, 'number')
  t.is(err.syscall, 'connect')
  t.is(err.address, '127.0.0.1')
  t.is(err.port, port)
  t.is(err.message, `connect ECONNREFUSED 127.0.0.1:${port}`)

  await closed
  t.ok(socket.destroyed)
})

test('a name that does not resolve errors with ENOTFOUND', async (t) => {
  const socket = connect(t, 80, 'nonexistent.invalid')

  let lookupErr = null
  socket.on('lookup', (err) => (lookupErr = err))

  const [err] = await once(socket, 'error')
  t.is(err.code, 'ENOTFOUND')
  t.is(err.syscall, 'getaddrinfo')
  t.is(err.hostname, 'nonexistent.invalid')
  t.is(lookupErr, err, 'lookup event carries the same error')
})

test('a custom lookup receives family and hints (undefined unless given) and may answer one address', async (t) => {
  const server = await echoServer(t)

  for (const [options, expected] of [
    [
      { family: 4, hints: 32 },
      { family: 4, hints: 32 }
    ],
    [{}, { family: 0, hints: undefined }]
  ]) {
    const socket = connect(t, server.address().port, 'example.test', {
      ...options,
      lookup(host, opts, cb) {
        t.is(host, 'example.test')
        t.is(opts.family, expected.family)
        t.is(opts.hints, expected.hints)
        cb(null, '127.0.0.1', 4)
      }
    })

    await once(socket, 'connect')
    t.is(socket.remoteAddress, '127.0.0.1')
  }
})

test('a name with several addresses tries them in order until one connects', async (t) => {
  const refused = await listen(t)
  const refusedPort = refused.address().port
  await new Promise((resolve) => refused.close(resolve))

  const server = await echoServer(t, { host: '::1' })
  const { port } = server.address()
  t.not(port, refusedPort)

  const looked = []
  const socket = connect(t, port, 'multi.test', {
    lookup(host, opts, cb) {
      t.is(opts.all, true)
      // 127.0.0.1 refuses: nothing listens there on this port.
      cb(null, [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 }
      ])
    }
  })

  socket.on('lookup', (err, address) => looked.push(address))

  await once(socket, 'connect')

  t.alike(looked, ['127.0.0.1', '::1'])
  t.is(socket.remoteAddress, '::1')
  t.is(socket.remoteFamily, 'IPv6')

  socket.write('over v6')
  const [data] = await once(socket, 'data')
  t.is(data.toString(), 'over v6')
})

test('when every address fails, one error lists every attempt', async (t) => {
  const refused = await listen(t)
  const { port } = refused.address()
  await new Promise((resolve) => refused.close(resolve))

  const socket = connect(t, port, 'multi.test', {
    lookup(host, opts, cb) {
      cb(null, [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 }
      ])
    }
  })

  const [err] = await once(socket, 'error')

  t.is(err.code, 'ECONNREFUSED')
  t.is(err.errors.length, 2)
  t.is(err.errors[0].address, '127.0.0.1')
  t.is(err.errors[1].address, '::1')
  t.ok(err.message.includes('127.0.0.1') && err.message.includes('::1'), err.message)
})

test('family restricts the addresses tried', async (t) => {
  const server = await echoServer(t)

  const socket = connect(t, server.address().port, 'localhost', { family: 4 })
  await once(socket, 'connect')
  t.is(socket.remoteFamily, 'IPv4')

  // An IP address is used as it is, whatever the family option says, as in
  // Node.js and the published bare-tcp: the option filters lookups.
  const { port } = server.address()
  const literal = connect(t, port, '127.0.0.1', { family: 6 })
  await once(literal, 'connect')
  t.is(literal.remoteAddress, '127.0.0.1')

  // A local address of another family can never match: thrown at the call.
  t.exception(
    () => tcp.createConnection({ port, host: '127.0.0.1', localAddress: '::1' }),
    /INVALID_HOST/
  )
  t.exception(
    () => tcp.createConnection({ port, host: 'localhost', family: 4, localAddress: '::1' }),
    /INVALID_HOST/
  )
})

test('connecting twice throws SOCKET_ALREADY_CONNECTED; after destroy, SOCKET_IS_CLOSED', async (t) => {
  const server = await echoServer(t)
  const { port } = server.address()

  const socket = connect(t, port, '127.0.0.1')
  t.exception(() => socket.connect(port, '127.0.0.1'), /SOCKET_ALREADY_CONNECTED/)

  await once(socket, 'connect')
  t.exception(() => socket.connect(port, '127.0.0.1'), /SOCKET_ALREADY_CONNECTED/)

  socket.destroy()
  t.exception(() => socket.connect(port, '127.0.0.1'), /SOCKET_IS_CLOSED/)
})

test('connect options keepAlive, noDelay and timeout are applied', async (t) => {
  const server = await echoServer(t)

  const socket = connect(t, server.address().port, '127.0.0.1', {
    keepAlive: true,
    keepAliveInitialDelay: 2000,
    noDelay: true,
    timeout: 5000
  })

  await once(socket, 'connect')
  t.is(socket.timeout, 5000)

  socket.write('still works')
  const [data] = await once(socket, 'data')
  t.is(data.toString(), 'still works')
})

// An AbortSignal as the module takes it, counting its abort listeners.
function countedSignal(controller) {
  let count = 0
  const signal = {
    get aborted() {
      return controller.signal.aborted
    },
    get reason() {
      return controller.signal.reason
    },
    addEventListener(type, fn, opts) {
      count++
      controller.signal.addEventListener(type, fn, opts)
    },
    removeEventListener(type, fn) {
      count--
      controller.signal.removeEventListener(type, fn)
    }
  }
  return { signal, abort: () => controller.abort(), listeners: () => count }
}

test('new Socket() takes the socket options and a signal, as in Node.js', async (t) => {
  const server = await echoServer(t)

  const socket = new tcp.Socket({ keepAlive: true, keepAliveInitialDelay: 2000, noDelay: true })
  t.teardown(() => socket.destroy())
  socket.connect(server.address().port, '127.0.0.1')
  await once(socket, 'connect')
  t.is(socket.noDelay, true)
  t.is(socket.keepAlive, true)
  t.is(socket.keepAliveInitialDelay, 2000)

  const controller = new AbortController()
  const aborted = new tcp.Socket({ signal: controller.signal })
  const errored = once(aborted, 'error')
  const closed = once(aborted, 'close')
  controller.abort()
  const [err] = await errored
  t.is(err.code, 'ABORT_ERR')
  await closed

  // One signal to the constructor and one to connect(): either aborts, and
  // neither keeps a listener once the socket closed.
  const first = countedSignal(new AbortController())
  const second = countedSignal(new AbortController())
  const both = new tcp.Socket({ signal: first.signal })
  both.on('error', () => {})
  both.connect({ port: server.address().port, host: '127.0.0.1', signal: second.signal })
  await once(both, 'connect')
  t.is(first.listeners() + second.listeners(), 2, 'both signals are watched')
  const bothClosed = once(both, 'close')
  first.abort()
  await bothClosed
  t.ok(both.destroyed, "the constructor's signal aborts too")
  t.is(first.listeners(), 0, 'no listener left on the first signal')
  t.is(second.listeners(), 0, 'nor on the second')

  // connect() options replace only what they give.
  const kept = new tcp.Socket({ keepAlive: true, keepAliveInitialDelay: 9000 })
  t.teardown(() => kept.destroy())
  kept.connect({ port: server.address().port, host: '127.0.0.1', keepAlive: true })
  await once(kept, 'connect')
  t.is(kept.keepAliveInitialDelay, 9000, "the constructor's delay stays")

  const delayOnly = new tcp.Socket({ keepAliveInitialDelay: 7000 })
  t.teardown(() => delayOnly.destroy())
  delayOnly.connect({ port: server.address().port, host: '127.0.0.1', keepAlive: true })
  await once(delayOnly, 'connect')
  t.is(delayOnly.keepAlive, true)
  t.is(delayOnly.keepAliveInitialDelay, 7000, 'a delay given alone waits for keep-alive')

  t.exception(() => new tcp.Socket({ signal: 'no' }), /INVALID_ARGUMENT/)
  t.exception(() => new tcp.Socket({ keepAliveCount: -1 }), /INVALID_ARGUMENT/)
})

test('setKeepAlive and setNoDelay work before and after connecting', async (t) => {
  const server = await echoServer(t)

  const socket = new tcp.Socket()
  t.teardown(() => socket.destroy())

  t.is(socket.setKeepAlive(true, 1000), socket)
  t.is(socket.setNoDelay(), socket)

  socket.connect(server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  t.is(socket.setKeepAlive(false), socket)
  t.is(socket.setNoDelay(false), socket)
  t.is(socket.setKeepAlive(true, 0), socket)
})

test('writes made before the connection completes are sent after it', async (t) => {
  const server = await echoServer(t)

  const socket = connect(t, server.address().port, '127.0.0.1')
  socket.write('early ')
  socket.write('bird')

  let received = ''
  socket.on('data', (data) => {
    received += data
    if (received.length === 10) socket.end()
  })

  await once(socket, 'close')
  t.is(received, 'early bird')
})

test("the specification's default options, given as written, behave as the defaults", async (t) => {
  const dns = require('bare-dns')
  const serverDefaults = {
    readBufferSize: 65536,
    allowHalfOpen: true,
    keepAlive: false,
    keepAliveInitialDelay: 0,
    noDelay: false,
    pauseOnConnect: false
  }
  let accepted = null
  const server = await listen(t, serverDefaults, (socket) => {
    accepted = socket
    socket.on('data', (data) => socket.write(data))
  })

  const socket = new tcp.Socket({ readBufferSize: 65536, allowHalfOpen: true, eagerOpen: true })
  t.teardown(() => socket.destroy())
  const lookups = []
  socket.on('lookup', (err, address) => lookups.push(err || address))
  socket.connect(server.address().port, 'localhost', {
    lookup: dns.lookup,
    hints: null,
    family: 0,
    keepAlive: false,
    keepAliveInitialDelay: 0,
    noDelay: false,
    timeout: null
  })
  await once(socket, 'connect')

  t.alike(lookups, ['127.0.0.1'], 'localhost resolved through bare-dns')
  t.is(socket.timeout, undefined, 'no idle timeout')
  t.is(socket.noDelay, false)
  t.is(socket.keepAlive, false)
  t.is(socket.allowHalfOpen, true)
  t.is(accepted.allowHalfOpen, true)
  t.is(accepted.isPaused(), false)

  socket.write('as written')
  const [echo] = await once(socket, 'data')
  t.is(echo.toString(), 'as written')
})
