// Hands a connected socket to a child process over a bare-pipe IPC channel:
// the parent connects to its own echo server, sends the socket, and closes
// its copy; the child talks on the same connection and exits. Run it with
// `bare examples/pass-socket.js`.
const Pipe = require('bare-pipe')
const { spawn } = require('bare-subprocess')
const tcp = require('..')

if (Bare.argv[2] === 'child') child()
else parent()

function parent() {
  const server = tcp.createServer((socket) => socket.pipe(socket))

  server.listen(0, '127.0.0.1', () => {
    // The child gets `theirs` as its fd 3; the pipe over `ours` carries the handle.
    const [ours, theirs] = tcp.socketpair()
    const child = spawn(Bare.argv[0], [__filename, 'child'], {
      stdio: ['ignore', 'inherit', 'inherit', theirs]
    })
    const pipe = new Pipe(ours, { ipc: true })

    const socket = tcp.createConnection(server.address().port, '127.0.0.1', () => {
      console.log(`parent: connected from port ${socket.localPort}, handing it over`)
      // Our copy goes once sent; the connection stays open in the child.
      pipe.write(Buffer.from('take this'), socket, () => socket.destroy())
    })

    child.on('exit', (code) => {
      console.log(`parent: child exited with ${code}`)
      pipe.destroy()
      server.close()
    })
  })
}

function child() {
  const pipe = new Pipe(3, { ipc: true })

  pipe.on('handle', () => {
    const socket = new tcp.Socket()
    pipe.accept(socket) // 'connect' follows: the same connection, now ours

    socket.on('connect', () => socket.write(`hello from the child on port ${socket.localPort}`))
    socket.on('data', (data) => {
      console.log(`child: echoed ${JSON.stringify(data.toString())}`)
      socket.end()
      pipe.destroy()
    })
  })

  pipe.resume()
}
