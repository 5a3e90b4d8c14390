const test = require('brittle')
const { AbortController } = require('bare-abort-controller')
const { tcp, listen, connect, once, blackhole } = require('./helpers')

test('an aborted signal fails connect with ABORT_ERR', async (t) => {
  const controller = new AbortController()
  controller.abort()

  const socket = connect(t, 1, '127.0.0.1', { signal: controller.signal })
  const [err] = await once(socket, 'error')
  t.is(err.code, 'ABORT_ERR')
  t.is(err.name, 'AbortError')
})

test('aborting while connecting destroys the socket with ABORT_ERR', async (t) => {
  const hole = await blackhole(t)
  const controller = new AbortController()

  const socket = connect(t, hole.port, '127.0.0.1', { signal: controller.signal })
  setTimeout(() => controller.abort(), 50)

  const [err] = await once(socket, 'error')
  t.is(err.code, 'ABORT_ERR')
  t.is(socket.connecting, false)
})

test('aborting a connected socket destroys it', async (t) => {
  const server = await listen(t, {}, (socket) => socket.resume())
  const controller = new AbortController()

  const socket = connect(t, server.address().port, '127.0.0.1', { signal: controller.signal })
  await once(socket, 'connect')

  controller.abort()
  const [err] = await once(socket, 'error')
  t.is(err.code, 'ABORT_ERR')
})

test('an aborted signal closes the server instead of listening; aborting later closes it too', async (t) => {
  const aborted = new AbortController()
  aborted.abort()

  for (const host of ['127.0.0.1', 'localhost']) {
    const first = tcp.createServer()
    const events = []
    for (const name of ['listening', 'error', 'close']) first.on(name, () => events.push(name))
    first.listen({ port: 0, host, signal: aborted.signal })
    await once(first, 'close')
    await new Promise((resolve) => setTimeout(resolve, 20))
    t.alike(events, ['close'], `as in Node.js, no error (${host})`)
    t.is(first.listening, false)
  }

  const controller = new AbortController()
  const second = tcp.createServer()
  second.listen({ port: 0, host: '127.0.0.1', signal: controller.signal })
  await once(second, 'listening')

  controller.abort()
  await once(second, 'close')
  t.is(second.listening, false)
})

test('aborting during a listen() lookup closes the server, and its late answer is ignored', async (t) => {
  const lookup = (host, opts, cb) => {
    const delay = host === 'slow.test' ? 60 : 0
    setTimeout(
      () => cb(null, host === 'slow.test' ? '::1' : '127.0.0.1', host === 'slow.test' ? 6 : 4),
      delay
    )
  }

  const server = tcp.createServer()
  const events = []
  server.on('lookup', (err, address, family, host) => events.push('lookup ' + host))
  server.on('listening', () => events.push('listening ' + server.address().address))
  server.on('error', (err) => events.push('error ' + err.code))
  server.on('close', () => events.push('close'))
  t.teardown(() => server.close())

  const controller = new AbortController()
  server.listen({ port: 0, host: 'slow.test', lookup, signal: controller.signal })
  setTimeout(() => controller.abort(), 10)

  await once(server, 'close')
  t.is(server.listening, false)

  server.listen({ port: 0, host: 'fast.test', lookup })
  await once(server, 'listening')

  await new Promise((resolve) => setTimeout(resolve, 120))
  t.alike(events, ['close', 'lookup fast.test', 'listening 127.0.0.1'])
  t.is(server.address().address, '127.0.0.1')
})

test('signal must look like an AbortSignal', (t) => {
  t.exception(() => connect(t, 1, '127.0.0.1', { signal: {} }), /INVALID_ARGUMENT/)
})
