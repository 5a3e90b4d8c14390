const test = require('brittle')
const Pipe = require('bare-pipe')
const { spawn } = require('bare-subprocess')
const path = require('bare-path')
const { tcp, listen, connect, once } = require('./helpers')
const { fixtureResult } = require('./fixtures/support')

test('a connected socket sent to another process over bare-pipe keeps working there', async (t) => {
  const server = await listen(t, {}, (socket) => socket.pipe(socket))
  const [ours, theirs] = tcp.socketpair()

  const child = spawn(Bare.argv[0], [path.join(__dirname, 'fixtures', 'ipc-child.js')], {
    stdio: ['ignore', 'pipe', 'pipe', theirs]
  })

  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (data) => (stdout += data))
  child.stderr.on('data', (data) => (stderr += data))

  const pipe = new Pipe(ours, { ipc: true })
  t.teardown(() => pipe.destroy())

  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')

  t.ok(socket[Symbol.for('bare.ipc.handle')] instanceof ArrayBuffer)

  // Once sent, our copy must go: it would otherwise read what the child is
  // sent. Closing it leaves the connection open in the child.
  const localPort = socket.localPort
  pipe.write(Buffer.from('take it'), socket, () => socket.destroy())

  const [code] = await once(child, 'exit')
  t.is(code, 0, stderr)
  t.is(stdout.trim(), `child speaking on port ${localPort}`)
})

test('a connecting socket has no IPC handle to give, and leaves none behind', async (t) => {
  const server = await listen(t)
  const socket = tcp.createConnection(server.address().port, '127.0.0.1')
  t.teardown(() => socket.destroy())

  t.exception(() => socket[Symbol.for('bare.ipc.handle')], /SOCKET_ALREADY_CONNECTED/)

  await once(socket, 'connect')
  const handle = socket[Symbol.for('bare.ipc.handle')]
  t.ok(handle instanceof ArrayBuffer, 'once connected, the handle of the connection')
  t.is(handle.byteLength, socket._handle.byteLength)
  t.alike(Buffer.from(handle), Buffer.from(socket._handle), "the same memory as the socket's own")
})

test('a handle the IPC getter made for a transfer that did not come is closed when the socket connects', async (t) => {
  const result = await fixtureResult(t, 'ipc-handle-unused.js', [], { flags: ['--expose-gc'] })
  if (!result) return
  t.is(result.connected, result.count, 'each socket connected on a handle of its own')
  t.is(result.collected, result.count, 'and each was collected once closed and dropped')
  t.alike(result.errors, [])
})

test("the IPC accept hook refuses a socket that is connected or connecting, so 'connect' comes once", async (t) => {
  const server = await listen(t)
  const socket = tcp.createConnection(server.address().port, '127.0.0.1')
  t.teardown(() => socket.destroy())

  t.exception(() => socket[Symbol.for('bare.ipc.accept')](), /SOCKET_ALREADY_CONNECTED/)

  let connects = 0
  socket.on('connect', () => connects++)
  await once(socket, 'connect')
  t.exception(() => socket[Symbol.for('bare.ipc.accept')](), /SOCKET_ALREADY_CONNECTED/)

  await new Promise((resolve) => setTimeout(resolve, 50))
  t.is(connects, 1)
  t.is(socket.readyState, 'open')
})

test('an IPC handle detached by its receiver and collected leaves the socket working', async (t) => {
  const result = await fixtureResult(t, 'detach-handle.js', ['ipc'], { flags: ['--expose-gc'] })
  if (!result) return
  t.is(result.received, 'ping', "reads land in the handle's memory after the collection")
  t.is(result.echoed, 'pong', 'and writes still leave')
  t.ok(result.closed, 'the socket closes')
  t.alike(result.errors, [])
})

test('destroy() after the program detached the handle still closes the connection', async (t) => {
  let peer = null
  const server = await listen(t, {}, (socket) => (peer = socket))
  const socket = connect(t, server.address().port, '127.0.0.1')
  await once(socket, 'connect')
  while (peer === null) await new Promise((resolve) => setTimeout(resolve, 5))
  const peerEnded = once(peer, 'end')
  peer.resume()

  socket._handle.transfer()
  socket.destroy()
  await once(socket, 'close')
  t.is(socket.bytesRead, 0, 'the counters read as 0, no throw')
  await peerEnded
  t.pass('the peer saw the connection end')
})

test('server.close() after the program detached its handle still closes it', async (t) => {
  const server = tcp.createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  server._handle.transfer()
  const closed = once(server, 'close')
  server.close()
  await closed
  t.is(server.listening, false)
})

test("the socket's own handle detached and collected: no crash, an error with a code", async (t) => {
  const result = await fixtureResult(t, 'detach-handle.js', ['own'], { flags: ['--expose-gc'] })
  if (!result) return
  t.is(result.received, 'ping', 'libuv kept the memory it uses')
  t.alike(
    result.errors,
    ['INVALID_ARGUMENT'],
    'the write with the detached handle fails the socket with INVALID_ARGUMENT'
  )
  t.ok(result.closed, 'and the socket closes')
})

test('a handle copied, or given to another thread, is refused with INVALID_ARGUMENT, and the socket goes on', async (t) => {
  // A byte copy of a handle, or the handle on another thread's loop, would
  // have libuv run on memory that is not the handle or from the wrong
  // thread. In a child process, since threads are involved.
  const result = await fixtureResult(t, 'thread-handle.js')
  if (!result) return

  const REFUSED = 1
  t.is(result.sameThreadCopy, REFUSED, 'a copy made in the same thread')
  t.alike(result.copied, [REFUSED, REFUSED, REFUSED], 'a copy in thread data: write, resume, close')
  t.alike(
    result.transferred,
    [REFUSED, REFUSED, REFUSED],
    'transferred to a thread: write, resume, close'
  )
  t.is(result.echoed, 'still here', 'the socket still echoes')
  t.is(result.closes, 1, "one 'close', by its own destroy()")
})

test('a socketpair() socket sent over an IPC pipe is still a Unix socket where it arrives: TCP options do nothing', async (t) => {
  const [p1, p2] = tcp.socketpair()
  const sender = new Pipe(p1, { ipc: true })
  const receiver = new Pipe(p2, { ipc: true })
  const [u1, u2] = tcp.socketpair()
  const sent = new tcp.Socket().open(u1)
  const peer = new tcp.Socket().open(u2)
  t.teardown(() => {
    peer.destroy()
    sender.destroy()
    receiver.destroy()
  })

  const arrived = new Promise((resolve) => {
    receiver.on('handle', () => {
      const socket = new tcp.Socket()
      receiver.accept(socket)
      socket.on('connect', () => resolve(socket))
    })
  })
  receiver.resume()
  await once(sent, 'connect')
  sender.write(Buffer.from('x'), sent, () => sent.destroy())

  const socket = await arrived
  socket.setNoDelay(true)
  socket.setKeepAlive(true, 1000)
  socket.setUserTimeout(1000)
  t.ok(socket.sendBufferSize > 0, 'the buffer sizes still read')
  t.is(socket.remoteAddress, undefined)

  const received = new Promise((resolve) => peer.once('data', resolve))
  socket.end('through the pipe')
  t.is((await received).toString(), 'through the pipe')
})
