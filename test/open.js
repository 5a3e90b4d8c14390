const test = require('brittle')
const { spawn } = require('bare-subprocess')
const path = require('bare-path')
const { tcp, listen, connect, once, fdOf, collect } = require('./helpers')

test('open(fd) adopts a connected TCP socket passed by another process', async (t) => {
  const server = await listen(t, {}, (socket) => socket.pipe(socket))
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  const fd = fdOf(socket)
  t.ok(fd > 2, `found descriptor ${fd}`)

  const child = spawn(Bare.argv[0], [path.join(__dirname, 'fixtures', 'open-child.js')], {
    stdio: ['ignore', 'pipe', 'pipe', fd]
  })

  // The child holds its own copy now; ours goes, without ending the
  // connection, before it can read what the child is sent.
  const localPort = socket.localPort
  socket.destroy()

  let stdout = ''
  child.stdout.on('data', (data) => (stdout += data))
  const [code] = await once(child, 'exit')

  t.is(code, 0)
  t.is(stdout.trim(), `hello from ${localPort}`)
})

test('open() with options form, then data flows both ways', async (t) => {
  const server = await listen(t, {}, (socket) => socket.pipe(socket))
  const carrier = connect(t, server.address().port, '127.0.0.1')
  await once(carrier, 'connect')

  const child = spawn(
    Bare.argv[0],
    [
      '-e',
      `
    const tcp = require(${JSON.stringify(path.join(__dirname, '..'))})
    const s = new tcp.Socket().open({ fd: 3, keepAlive: true, timeout: 10000 }, () => {
      console.log(s.keepAlive, s.timeout, s.remotePort)
      s.end('x')
    })
    s.resume()
  `
    ],
    { stdio: ['ignore', 'pipe', 'pipe', fdOf(carrier)] }
  )

  carrier.destroy()
  let stdout = ''
  child.stdout.on('data', (data) => (stdout += data))
  await once(child, 'exit')
  t.is(stdout.trim(), `true 10000 ${server.address().port}`)
})

test('bad descriptors give INVALID_FD and leave the socket usable', async (t) => {
  for (const fd of [-1, 1.5, 'x', null, 2 ** 31, 987654]) {
    const socket = new tcp.Socket()
    try {
      socket.open(fd)
      t.fail(`open(${fd}) did not throw`)
    } catch (err) {
      t.is(err.code, 'INVALID_FD', String(fd))
    }
    socket.destroy()
  }

  const server = await listen(t, {}, (socket) => socket.end('ok'))
  const socket = new tcp.Socket()
  t.exception(() => socket.open(987654), /INVALID_FD/)
  socket.connect(server.address().port, '127.0.0.1')
  await once(socket, 'connect')
  t.pass('connect still works after a failed open')
  socket.destroy()
})

test('open() takes a socketpair() descriptor, as the published bare-tcp does: data flows, TCP options do nothing, no addresses', async (t) => {
  const [a, b] = tcp.socketpair()
  const left = new tcp.Socket().open(a)
  const right = new tcp.Socket().open({ fd: b, timeout: 5000 })

  await Promise.all([once(left, 'connect'), once(right, 'connect')])
  t.is(right.timeout, 5000)

  // As Node.js does for a pipe: accepted, with nothing to set.
  left.setNoDelay(true)
  left.setKeepAlive(true, 1000)
  t.is(left.remoteAddress, undefined)
  t.is(left.remotePort, undefined)
  t.is(left.localAddress, undefined)
  t.alike(left.address(), {})

  const received = collect(right)
  left.end('across the pair')
  t.is((await received).toString(), 'across the pair')

  const closed = [once(left, 'close'), once(right, 'close')]
  right.end()
  await Promise.all(closed)
  t.ok(left.destroyed && right.destroyed, 'both closed')
})
