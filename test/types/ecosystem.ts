// The declarations of bare-net, bare-http1 and bare-tls, as published,
// checked against ours: tsconfig.json maps their `bare-tcp` imports to this
// repository's index.d.ts and turns skipLibCheck off, so a name or a shape
// they rely on that we lack fails here.

import * as tcp from 'bare-tcp'
import * as net from 'bare-net'
import * as http from 'bare-http1'
import * as tls from 'bare-tls'

function dependents() {
  // bare-http1's server is our Server, with our listen() and events.
  const server = http.createServer((req, res) => res.end('hello'))
  const asServer: tcp.Server = server
  asServer.listen({ port: 0, host: '127.0.0.1', reusePort: true }, () => {})
  server.on('connection', (socket) => {
    const ours: tcp.Socket = socket
    ours.setNoDelay(true)
  })

  // Its client requests carry our connect options.
  const req = http.request({ host: '127.0.0.1', port: 80, noDelay: true, keepAlive: true })
  if (req.socket !== null) {
    const ours: tcp.Socket = req.socket
    ours.setKeepAlive(true, 1000)
  }
  req.end()

  // bare-net takes our listen and connect options.
  const netServer = net.createServer()
  netServer.listen({ port: 0, host: '::1', ipv6Only: true, reusePort: true })
  const address = netServer.address()
  if (address !== null && typeof address !== 'string') {
    const ours: tcp.TCPSocketAddress = address
    ours.port
  }

  const netSocket = net.createConnection({
    port: 80,
    host: 'localhost',
    noDelay: true,
    keepAlive: true
  })
  netSocket.end()

  // bare-tls runs over bare-net.
  const tlsSocket = tls.connect({ port: 443, host: 'localhost' })
  tlsSocket.end()
}

export { dependents }
