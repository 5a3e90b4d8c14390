const test = require('brittle')
const { connect, once, blackhole } = require('./helpers')

test('connectTimeout covers an address that never answers', async (t) => {
  const hole = await blackhole(t)

  const socket = connect(t, hole.port, '127.0.0.1', { connectTimeout: 100 })
  const [err] = await once(socket, 'error')

  t.is(err.code, 'ETIMEDOUT')
  t.is(err.syscall, 'connect')
  t.is(typeof err.errno, 'number')
  t.is(err.address, '127.0.0.1')
  t.is(err.port, hole.port)
  t.is(socket.connecting, false)
})

test('connectTimeout covers the lookup too', async (t) => {
  const socket = connect(t, 80, 'never.test', { connectTimeout: 50, lookup() {} })
  const [err] = await once(socket, 'error')
  t.is(err.code, 'ETIMEDOUT')
})

test('connectTimeout is separate from the idle timeout and ends once connected', async (t) => {
  const { listen } = require('./helpers')
  const server = await listen(t, {}, (socket) => socket.resume())

  const socket = connect(t, server.address().port, '127.0.0.1', { connectTimeout: 50 })
  await once(socket, 'connect')
  t.is(socket.timeout, undefined, 'no idle timeout was set')

  await new Promise((resolve) => setTimeout(resolve, 150))
  t.absent(socket.destroyed, 'the deadline no longer applies')
})
