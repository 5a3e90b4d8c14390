const test = require('brittle')
const Pipe = require('bare-pipe')
const { spawn } = require('bare-subprocess')
const path = require('bare-path')
const { tcp, listen, connect, once } = require('./helpers')

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
  t.is(handle, socket._handle, 'once connected, the handle of the connection')
})
