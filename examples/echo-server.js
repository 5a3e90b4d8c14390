// An echo server: every connection gets back what it sends, and when the
// client half-closes, the server finishes echoing and closes its side too.
//
//   bare examples/echo-server.js [port] [host]    (default 7007 on localhost)
//
// Try it with netcat: `printf 'hello\n' | nc -N localhost 7007`
const tcp = require('..')

const [port = '7007', host = 'localhost'] = Bare.argv.slice(2)

const server = tcp.createServer((socket) => {
  const peer = `${socket.remoteAddress}:${socket.remotePort}`
  console.log(`connection from ${peer}`)

  // pipe() keeps to the pace of the slower side and, as sockets are
  // half-open by default, ends our side once the client ended its own.
  socket.pipe(socket)

  socket.on('error', (err) => console.error(`${peer}: ${err.message}`))
  socket.on('close', () => console.log(`${peer} closed`))
})

server.on('error', (err) => {
  console.error(`echo-server: ${err.message}`)
  Bare.exitCode = 1
})

server.listen(port, host, () => {
  const { address, family, port } = server.address()
  console.log(`echo server listening on ${family === 'IPv6' ? `[${address}]` : address}:${port}`)
})
