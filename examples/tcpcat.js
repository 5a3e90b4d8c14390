// tcpcat: a small netcat for Bare. Standard input goes to the socket and the
// socket goes to standard output. When the input ends, our side of the
// connection is ended (a half-close) and tcpcat keeps printing what the peer
// sends until the peer ends too.
//
//   bare examples/tcpcat.js HOST PORT           connect
//   bare examples/tcpcat.js -l PORT [HOST]      accept one connection
//                                               (HOST defaults to localhost;
//                                               PORT 0 picks a free port)
//
// Messages go to standard error, data only to standard output. Exit codes:
// 0 once both directions have ended, 1 on a network error, 2 on bad usage.
//
// Standard input and output come from bare-stdio, which picks a TTY, pipe
// or file stream for each, as the descriptor needs.
const tcp = require('..')
const stdio = require('bare-stdio')

const USAGE =
  'usage: bare examples/tcpcat.js HOST PORT\n       bare examples/tcpcat.js -l PORT [HOST]'

const argv = Bare.argv.slice(2)

if (argv[0] === '-l' && (argv.length === 2 || argv.length === 3)) {
  listen(argv[1], argv[2] || 'localhost')
} else if (argv.length === 2 && !argv[0].startsWith('-')) {
  connect(argv[0], argv[1])
} else {
  usage()
}

function usage() {
  console.error(USAGE)
  Bare.exit(2)
}

function fail(message) {
  console.error(`tcpcat: ${message}`)
  Bare.exit(1)
}

// Misuse (a port out of range, an empty host) throws a TCPError at once.
function attempt(fn) {
  try {
    return fn()
  } catch (err) {
    if (err.code === 'INVALID_PORT' || err.code === 'INVALID_HOST') {
      console.error(`tcpcat: ${err.message}`)
      usage()
    }
    throw err
  }
}

function connect(host, port) {
  const socket = attempt(() => tcp.createConnection(port, host))

  socket.on('error', (err) => fail(err.message))
  socket.on('connect', () => {
    console.error(`tcpcat: connected to ${socket.remoteAddress}:${socket.remotePort}`)
  })

  relay(socket)
}

function listen(port, host) {
  const server = tcp.createServer({ pauseOnConnect: true })

  server.on('error', (err) => fail(err.message))

  server.once('connection', (socket) => {
    // One connection only: stop listening; the server closes for good
    // once this socket has.
    server.close()

    console.error(`tcpcat: connection from ${socket.remoteAddress}:${socket.remotePort}`)

    socket.on('error', (err) => fail(err.message))
    relay(socket)
    socket.resume()
  })

  attempt(() => server.listen(port, host))

  server.on('listening', () => {
    const { address, port } = server.address()
    console.error(
      `tcpcat: listening on ${address.includes(':') ? `[${address}]` : address}:${port}`
    )
  })
}

function relay(socket) {
  const input = stdio.in
  const output = stdio.out

  // pipe() waits for 'drain' on the slower side, and ends the destination
  // when its source ends: the end of our input half-closes the socket, the
  // peer's end ends our output.
  input.pipe(socket)
  socket.pipe(output)

  input.on('error', (err) => fail(`reading standard input: ${err.message}`))
  output.on('error', (err) => {
    // The reader of our output went away (`tcpcat ... | head -1`): stop.
    socket.destroy()
    fail(`writing standard output: ${err.message}`)
  })

  // Both directions are done once the socket has closed and our output has
  // been flushed. A terminal on standard input would otherwise keep the
  // process waiting for a line nobody needs.
  socket.on('close', () => {
    if (output.writableFinished || output.destroyed) return done()
    output.on('finish', done).on('close', done)
  })

  function done() {
    input.destroy()
    Bare.exit(0)
  }
}
