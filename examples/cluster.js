// One port served by several threads. Each thread has its own event loop
// and its own copy of the addon, and listens on the same port with
// `reusePort`; the kernel (SO_REUSEPORT) spreads new connections across the
// listening sockets. Each connection is greeted with the number of the
// thread that accepted it.
//
//   bare examples/cluster.js [port] [threads] [host]
//
// port defaults to 7008 (0 picks a free one), threads to 4 (the main thread
// serves too, as thread 0), host to localhost. Stop it with Ctrl-C.
//
// Threads come from bare-thread, which bundles this same file for each of
// them; Bare.Thread.self.data tells a worker what to do.
const Thread = require('bare-thread')
const tcp = require('..')

if (Thread.isMainThread) main()
else serve(Bare.Thread.self.data)

function main() {
  const [port = '7008', threads = '4', host = 'localhost'] = Bare.argv.slice(2)

  const count = Number(threads)
  if (!Number.isInteger(count) || count < 1 || count > 64) {
    console.error('usage: bare examples/cluster.js [port] [threads 1-64] [host]')
    Bare.exit(2)
  }

  // The main thread binds first, so that port 0 becomes a real port the
  // other threads can share.
  serve({ index: 0, port, host }, (server) => {
    const { address, port } = server.address()

    for (let index = 1; index < count; index++) {
      // Never joined: the workers serve until the process ends.
      new Thread(__filename, { data: { index, port, host: address } })
    }

    const shown = address.includes(':') ? `[${address}]` : address
    console.log(`cluster listening on ${shown}:${port} with ${count} threads`)
  })
}

function serve({ index, port, host }, onlistening) {
  const server = tcp.createServer((socket) => {
    socket.on('error', () => {})
    socket.end(`hello from thread ${index}\n`)
    socket.resume()
  })

  server.on('error', (err) => {
    console.error(`thread ${index}: ${err.message}`)
    Bare.exit(1)
  })

  server.listen({ port: Number(port), host, reusePort: true }, () => {
    console.log(`thread ${index} listening`)
    if (onlistening) onlistening(server)
  })
}
