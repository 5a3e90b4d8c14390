const test = require('brittle')
const { listen, connect, collect } = require('./helpers')

test('server and client on ::1', async (t) => {
  const server = await listen(t, { host: '::1' }, (socket) => {
    t.is(socket.remoteAddress, '::1')
    t.is(socket.remoteFamily, 'IPv6')
    socket.end('v6')
  })

  const address = server.address()
  t.is(address.address, '::1')
  t.is(address.family, 'IPv6')

  const socket = connect(t, address.port, '::1')
  const data = await collect(socket)

  t.is(data.toString(), 'v6')
  t.is(socket.remoteAddress, '::1')
  t.is(socket.remoteFamily, 'IPv6')
  t.is(socket.localAddress, '::1')
  t.is(socket.localFamily, 'IPv6')
  t.alike(socket.address(), { address: '::1', family: 'IPv6', port: socket.localPort })
})

test('errors on IPv6 addresses put the address in brackets', async (t) => {
  const server = await listen(t, { host: '::1' })
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))

  const socket = connect(t, port, '::1')
  const err = await new Promise((resolve) => socket.on('error', resolve))
  t.is(err.code, 'ECONNREFUSED')
  t.is(err.message, `connect ECONNREFUSED [::1]:${port}`)
})

test('ipv6Only keeps an IPv6 wildcard listener off IPv4', async (t) => {
  const server = await listen(t, { host: '::' })
  server.close()

  const v6only = require('..').createServer()
  t.teardown(() => v6only.close())
  await new Promise((resolve) => v6only.listen({ port: 0, host: '::', ipv6Only: true }, resolve))

  const socket = connect(t, v6only.address().port, '127.0.0.1')
  const err = await new Promise((resolve) => socket.on('error', resolve))
  t.is(err.code, 'ECONNREFUSED')
})
