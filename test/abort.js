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

test('an aborted signal fails listen; aborting later closes the server', async (t) => {
  const aborted = new AbortController()
  aborted.abort()

  const first = tcp.createServer()
  first.listen({ port: 0, host: '127.0.0.1', signal: aborted.signal })
  const [err] = await once(first, 'error')
  t.is(err.code, 'ABORT_ERR')
  t.is(first.listening, false)

  const controller = new AbortController()
  const second = tcp.createServer()
  second.listen({ port: 0, host: '127.0.0.1', signal: controller.signal })
  await once(second, 'listening')

  controller.abort()
  await once(second, 'close')
  t.is(second.listening, false)
})

test('signal must look like an AbortSignal', (t) => {
  t.exception(() => connect(t, 1, '127.0.0.1', { signal: {} }), /INVALID_ARGUMENT/)
})
