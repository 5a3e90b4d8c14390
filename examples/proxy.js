// A TCP forwarder: every connection accepted on the listening port is
// joined to a new connection to the target, bytes flow both ways, and each
// side reads only as fast as the other side writes.
//
//   bare examples/proxy.js LISTEN_PORT TARGET_HOST TARGET_PORT [LISTEN_HOST]
//
// LISTEN_HOST defaults to localhost; LISTEN_PORT 0 picks a free port. The
// proxy prints the address it listens on, then one line per connection.
const tcp = require('..')

const argv = Bare.argv.slice(2)

if (argv.length < 3 || argv.length > 4) {
  console.error('usage: bare examples/proxy.js LISTEN_PORT TARGET_HOST TARGET_PORT [LISTEN_HOST]')
  Bare.exit(2)
}

const [listenPort, targetHost, targetPort, listenHost = 'localhost'] = argv

// Connections start paused: nothing is read from the client until the
// target has answered, so nothing piles up while we wait.
const server = tcp.createServer({ pauseOnConnect: true }, (client) => {
  const name = `${client.remoteAddress}:${client.remotePort}`
  const target = tcp.createConnection(targetPort, targetHost)

  // Whichever side fails or resets, the other is torn down with it.
  const destroy = (err) => {
    if (err) console.error(`${name}: ${err.message}`)
    client.destroy()
    target.destroy()
  }

  client.on('error', destroy)
  target.on('error', destroy)

  target.on('connect', () => {
    console.log(`${name} -> ${target.remoteAddress}:${target.remotePort}`)
    forward(client, target)
    forward(target, client)
    client.resume()
  })

  // Once both sockets have closed, the pair is done.
  let open = 2
  const onclose = () => {
    if (--open === 0) console.log(`${name} closed`)
  }
  client.on('close', onclose)
  target.on('close', onclose)
})

// Copies what `from` reads to `to`. When `to` has more queued than it
// wants (write() returns false), `from` stops reading until 'drain': the
// kernel buffers fill up, and TCP flow control slows the sender down. An
// end from one peer becomes an end (a half-close) towards the other.
function forward(from, to) {
  from.on('data', (data) => {
    if (!to.write(data)) from.pause()
  })

  to.on('drain', () => from.resume())

  from.on('end', () => to.end())
}

server.on('error', (err) => {
  console.error(`proxy: ${err.message}`)
  Bare.exit(1)
})

server.listen(listenPort, listenHost, () => {
  const { address, port } = server.address()
  const shown = address.includes(':') ? `[${address}]` : address
  console.log(`proxy listening on ${shown}:${port}, forwarding to ${targetHost}:${targetPort}`)
})
