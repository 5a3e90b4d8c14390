// bare-dns's lookup, the default, may be given as the `lookup` option as it
// is (npm run test:types). Checked apart from usage.ts: bare-dns's own
// declarations do not compile under that project's lib checks.

import * as tcp from '../..'
import dns from 'bare-dns'

tcp.createConnection({ port: 80, host: 'example.com', lookup: dns.lookup })
tcp.createConnection(80, 'example.com', { lookup: dns.lookup })
new tcp.Socket().connect({ port: 80, host: 'example.com', lookup: dns.lookup })
tcp.createServer().listen({ port: 0, host: 'example.com', lookup: dns.lookup })

const options: tcp.TCPSocketConnectOptions = { lookup: dns.lookup }
const listenOptions: tcp.TCPServerListenOptions = { lookup: dns.lookup }
void options
void listenOptions
