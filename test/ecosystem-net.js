// bare-net, as published, running on this bare-tcp: see helpers/ecosystem.js
// for how its require('bare-tcp') is made to reach this repository.

const test = require('brittle')
const crypto = require('bare-crypto')
const tcp = require('..')
const ecosystem = require('./helpers/ecosystem')
const { once } = require('./helpers')

test('bare-net resolves bare-tcp to this repository', (t) => {
  t.is(ecosystem.resolve('bare-net', 'bare-tcp'), require.resolve('..'))
  t.comment(`bare-net ${ecosystem.version('bare-net')}`)
})

test('bare-net server and client exchange data in both directions', async (t) => {
  const net = ecosystem.load('bare-net')
  const greeting = crypto.randomBytes(100000)
  const request = crypto.randomBytes(300000)

  let received = null

  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    t.ok(socket._socket instanceof tcp.Socket, 'the accepted socket is ours')

    const chunks = []
    socket.on('data', (data) => chunks.push(data))
    socket.on('end', () => {
      received = Buffer.concat(chunks)
      socket.end(`got ${received.byteLength} bytes`)
    })
    socket.write(greeting)
  })

  t.teardown(() => new Promise((resolve) => server.close(resolve)))

  server.listen(0, '127.0.0.1')
  await once(server, 'listening')

  t.ok(server._server instanceof tcp.Server, 'the listening server is ours')

  const { port } = server.address()
  const client = net.createConnection({ port, host: '127.0.0.1', allowHalfOpen: true })
  t.teardown(() => client.destroy())

  t.ok(client._socket instanceof tcp.Socket, 'the client socket is ours')

  const chunks = []
  client.on('data', (data) => chunks.push(data))

  await once(client, 'connect')
  t.is(client.remotePort, port)
  t.is(client.remoteAddress, '127.0.0.1')

  client.end(request)

  await once(client, 'end')
  const answer = Buffer.concat(chunks)

  t.alike(answer.subarray(0, greeting.byteLength), greeting, 'greeting arrived whole')
  t.is(answer.subarray(greeting.byteLength).toString(), `got ${request.byteLength} bytes`)
  t.alike(received, request, 'request arrived whole')

  await once(client, 'close')
})

test('bare-net default allowHalfOpen false: the server socket ends when the client ends', async (t) => {
  const net = ecosystem.load('bare-net')

  const server = net.createServer((socket) => {
    socket.on('data', (data) => socket.write(data))
  })
  t.teardown(() => new Promise((resolve) => server.close(resolve)))

  server.listen(0, '127.0.0.1')
  await once(server, 'listening')

  const client = net.createConnection(server.address().port, '127.0.0.1')
  t.teardown(() => client.destroy())

  const chunks = []
  client.on('data', (data) => chunks.push(data))

  client.write('ping')
  await once(client, 'data')
  client.end()

  await once(client, 'close')
  t.is(Buffer.concat(chunks).toString(), 'ping')
})

test('bare-net connection error comes from our sockets', async (t) => {
  const net = ecosystem.load('bare-net')

  // A port nothing listens on: bind one, note it, close it.
  const server = tcp.createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))

  const client = net.createConnection(port, '127.0.0.1')
  t.teardown(() => client.destroy())

  const [err] = await once(client, 'error')
  t.is(err.code, 'ECONNREFUSED')
  t.is(err.message, `connect ECONNREFUSED 127.0.0.1:${port}`)
})

test('bare-net with pauseOnConnect reads once its socket resumes', async (t) => {
  // bare-net listens for 'data' on the socket it wraps and resumes only its
  // own stream: the listener has to end the pause, as in the published
  // bare-tcp, or nothing is ever read.
  const net = ecosystem.load('bare-net')

  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    setTimeout(() => socket.resume(), 20)
    socket.on('data', (data) => socket.end(`got ${data}`))
  })
  t.teardown(() => new Promise((resolve) => server.close(resolve)))

  server.listen(0, '127.0.0.1')
  await once(server, 'listening')

  const client = net.createConnection(server.address().port, '127.0.0.1')
  t.teardown(() => client.destroy())
  client.write('hello')

  const [reply] = await once(client, 'data')
  t.is(reply.toString(), 'got hello')
})
