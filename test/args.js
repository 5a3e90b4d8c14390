const test = require('brittle')
const tcp = require('..')

test('out of range, fractional and non-numeric ports throw INVALID_PORT', (t) => {
  // No port at all: Node.js throws too; the published bare-tcp connects to 0.
  t.exception(() => tcp.createConnection({ host: '127.0.0.1' }), /INVALID_PORT/, 'no port')
  const portless = new tcp.Socket()
  t.exception(() => portless.connect({ host: '127.0.0.1' }), /INVALID_PORT/, 'no port')
  portless.destroy()

  for (const port of [-1, 65536, 70000, 1.5, NaN, Infinity, '', 'http', '65536', {}, [], true]) {
    const socket = new tcp.Socket()
    t.exception(() => socket.connect(port, '127.0.0.1'), /INVALID_PORT/, String(port))
    socket.destroy()

    // listen() reads an object as its options form.
    if (typeof port === 'object') continue

    const server = tcp.createServer()
    t.exception(() => server.listen(port, '127.0.0.1'), /INVALID_PORT/, String(port))
  }

  const server = tcp.createServer()
  t.exception(() => server.listen({ port: 65536 }), /INVALID_PORT/, 'options form')

  // A BigInt reads as one in the message, not as the integer it looks like.
  t.exception(() => new tcp.Socket().connect(80n, '127.0.0.1'), /got 80n$/)
  t.exception(() => new tcp.Socket().connect('0000065536', '127.0.0.1'), /INVALID_PORT/)
})

test('a port string may have any number of digits, as in Node.js', async (t) => {
  const server = tcp.createServer((socket) => socket.destroy())
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())

  const padded = String(server.address().port).padStart(9, '0')
  const socket = tcp.createConnection(padded, '127.0.0.1')
  socket.on('error', () => {})
  await new Promise((resolve) => socket.once('connect', resolve))
  t.is(socket.remotePort, server.address().port)
  socket.destroy()
})

// An IP literal the addon cannot take: a zone id makes it too long.
const long = '::1%' + 'a'.repeat(tcp.constants.address.MAX_LENGTH - 3)

test('hosts must be strings of sane length', (t) => {
  for (const host of [42, {}, 'a'.repeat(1000), long]) {
    const socket = new tcp.Socket()
    try {
      socket.connect(1, host)
      t.fail('connect did not throw')
    } catch (err) {
      t.is(err.code, 'INVALID_HOST')
    }
    socket.destroy()
  }
})

test('options in place of the host throw INVALID_HOST, as in the published bare-tcp', (t) => {
  for (const connect of [tcp.createConnection, (...argv) => new tcp.Socket().connect(...argv)]) {
    try {
      connect(1, { noDelay: true }, () => t.fail('connected'))
      t.fail('connect did not throw')
    } catch (err) {
      t.is(err.code, 'INVALID_HOST')
    }
  }
})

test('an empty host means localhost, as in Node.js and the published bare-tcp', async (t) => {
  const server = tcp.createServer((socket) => socket.destroy())
  await new Promise((resolve) => server.listen(0, '', resolve))
  t.teardown(() => server.close())
  t.is(server.address().address, '127.0.0.1', "listen(port, '') listens on localhost")

  const socket = tcp.createConnection(server.address().port, '')
  socket.on('error', () => {})
  await new Promise((resolve) => socket.once('connect', resolve))
  t.is(socket.remoteAddress, '127.0.0.1')
  socket.destroy()
})

test("localAddress '' is no local address, as in Node.js", async (t) => {
  const server = tcp.createServer((socket) => socket.destroy())
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())

  const socket = tcp.createConnection({
    port: server.address().port,
    host: '127.0.0.1',
    localAddress: ''
  })
  socket.on('error', () => {})
  await new Promise((resolve) => socket.once('connect', resolve))
  t.pass('connected')
  socket.destroy()
})

test('readBufferSize must be an integer between 1 and 2^31-1', (t) => {
  for (const readBufferSize of [0, -1, 1.5, 2 ** 31, 'big', NaN]) {
    try {
      new tcp.Socket({ readBufferSize })
      t.fail('constructor did not throw')
    } catch (err) {
      t.is(err.code, 'INVALID_ARGUMENT', String(readBufferSize))
    }
  }

  t.execution(() => new tcp.Socket({ readBufferSize: 1 }).destroy())
  t.execution(() => new tcp.Socket({ readBufferSize: 2 ** 31 - 1 }).destroy())
})

test('options and callbacks of the wrong type throw INVALID_ARGUMENT', (t) => {
  const cases = [
    () => new tcp.Socket('options'),
    () => tcp.createServer({ readBufferSize: '1' }),
    () => tcp.createServer({}, 'listener'),
    () => new tcp.Socket().setTimeout(-1),
    () => new tcp.Socket().setTimeout(NaN),
    () => new tcp.Socket().setTimeout(),
    () => new tcp.Socket().setTimeout(undefined, () => {}),
    () => new tcp.Socket().setTimeout(null),
    () => new tcp.Socket().setTimeout(10, 'cb'),
    () => new tcp.Socket().connect(1, '127.0.0.1', { family: 5 }),
    () => new tcp.Socket().connect(1, '127.0.0.1', { lookup: 'dns' }),
    () => new tcp.Socket().connect(1, '127.0.0.1', 'options'),
    () => tcp.createServer().listen(0, '127.0.0.1', -1),
    () => new tcp.Socket().write(42)
  ]

  for (const fn of cases) {
    try {
      fn()
      t.fail(`did not throw: ${fn}`)
    } catch (err) {
      t.is(err.code, 'INVALID_ARGUMENT', String(fn))
    }
  }
})

test('misuse errors are TCPErrors with a code', (t) => {
  const err = tcp.errors.SOCKET_IS_CLOSED()
  t.ok(err instanceof Error)
  t.is(err.name, 'TCPError')
  t.is(err.code, 'SOCKET_IS_CLOSED')

  for (const code of [
    'SOCKET_ALREADY_CONNECTED',
    'SOCKET_IS_CLOSED',
    'SERVER_ALREADY_LISTENING',
    'SERVER_IS_CLOSED',
    'INVALID_ARGUMENT',
    'INVALID_HOST',
    'INVALID_PORT'
  ]) {
    t.is(tcp.errors[code]().code, code)
  }

  t.is(tcp.errors.INVALID_ARGUMENT().message, 'INVALID_ARGUMENT: Invalid argument')
  // Every factory takes its message, as in the published bare-tcp.
  t.is(tcp.errors.INVALID_PORT('Port must be even').message, 'INVALID_PORT: Port must be even')
  t.is(tcp.errors.INVALID_FD('Not a socket').message, 'INVALID_FD: Not a socket')

  t.is(new tcp.errors('m').code, 'TCPError')
  t.is(new tcp.errors('m', tcp.errors.INVALID_PORT).code, 'INVALID_PORT', "the factory's name")
  t.is(new tcp.errors('m', tcp.errors.INVALID_PORT, 'MINE').code, 'MINE', 'a code given wins')
  t.is(new tcp.errors('m', null).code, 'TCPError', 'fn not a function')
  t.is(new tcp.errors('m', 'nonsense').message, 'TCPError: m')

  t.exception(() => new tcp.Socket().connect({ port: 1, localAddress: long }), /INVALID_HOST/)
})

test('constants are exported', (t) => {
  t.is(typeof tcp.constants.state.CONNECTED, 'number')
  t.is(tcp.constants.address.MAX_LENGTH, 64)
})

test('the addon refuses an ArrayBuffer that only looks like a handle', (t) => {
  const binding = require('../lib/native')
  const socket = new tcp.Socket()
  const size = socket[Symbol.for('bare.ipc.handle')].byteLength
  socket.destroy()

  for (const forged of [new ArrayBuffer(size), new ArrayBuffer(8), {}, null]) {
    try {
      binding.close(forged)
      t.fail('close() took a forged handle')
    } catch (err) {
      t.is(err.code, 'INVALID_ARGUMENT')
    }
  }
})

test('the fast write refuses what it cannot do itself, and writeError makes the error writev would', async (t) => {
  const binding = require('../lib/native')
  const SLOW = -0x80000000

  const socket = new tcp.Socket()
  const handle = socket[Symbol.for('bare.ipc.handle')]

  // Forged or unconnected handles, and chunks that are not one Uint8Array
  // with bytes, are left to writev(), which throws the right error.
  const size = handle.byteLength
  const chunk = Buffer.from('x')
  for (const [forged, value] of [
    [new ArrayBuffer(size), chunk],
    [new ArrayBuffer(8), chunk],
    [{}, chunk],
    [null, chunk],
    [handle, chunk],
    [handle, 'x'],
    [handle, new Uint16Array(2)],
    [handle, Buffer.alloc(0)],
    [handle, [chunk]]
  ]) {
    t.is(binding.write(forged, value), SLOW)
  }
  t.is(binding.write(handle), SLOW, 'no chunk')
  socket.destroy()

  const err = binding.writeError(-104)
  t.is(err.code, 'ECONNRESET')
  t.is(err.errno, -104)
  t.is(err.syscall, 'write')
  t.is(err.message, 'write ECONNRESET')

  for (const value of [0, 1, -5000, 'x', undefined]) {
    t.exception(() => binding.writeError(value), /INVALID_ARGUMENT/, String(value))
  }
})

test("the package's subpath exports are the same objects as tcp.constants and tcp.errors", (t) => {
  t.is(require('bare-tcp/constants'), tcp.constants)
  t.is(require('bare-tcp/errors'), tcp.errors)
})
