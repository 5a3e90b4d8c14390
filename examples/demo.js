// An echo server and a client on loopback: the client sends a few lines,
// half-closes, prints what came back, and everything closes by itself.
const tcp = require('..')

const server = tcp.createServer((socket) => {
  console.log(`server: connection from ${socket.remoteAddress}:${socket.remotePort}`)
  socket.pipe(socket)
})

server.listen(0, '127.0.0.1', () => {
  const { address, port } = server.address()
  console.log(`server: listening on ${address}:${port}`)

  const socket = tcp.createConnection(port, '127.0.0.1', () => {
    console.log(`client: connected from port ${socket.localPort}`)

    socket.write('hello\n')
    socket.write('from bare-tcp\n')
    socket.end()
  })

  let echoed = ''
  socket.on('data', (data) => (echoed += data))

  socket.on('end', () => {
    console.log(`client: echoed ${JSON.stringify(echoed)}`)
  })

  socket.on('close', () => {
    console.log(`client: closed after ${socket.bytesWritten} bytes out, ${socket.bytesRead} in`)
    server.close(() => console.log('server: closed'))
  })
})
