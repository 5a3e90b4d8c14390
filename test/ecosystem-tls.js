// bare-tls, as published, over this bare-tcp: through bare-net (see
// helpers/ecosystem.js), and wrapped directly around our sockets. The key
// and a self-signed certificate for localhost are made with openssl.

const test = require('brittle')
const crypto = require('bare-crypto')
const fs = require('bare-fs')
const path = require('bare-path')
const tcp = require('..')
const ecosystem = require('./helpers/ecosystem')
const tools = require('./helpers/tools')
const { once } = require('./helpers')

const needs = tools.requires('openssl')

async function certificate(t) {
  const dir = tools.tmpdir(t, 'bare-tcp-tls-')
  const key = path.join(dir, 'key.pem')
  const cert = path.join(dir, 'cert.pem')

  const result = await tools.run(t, 'openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1'
  ])

  if (result.code !== 0) t.comment(result.stderr)
  t.is(result.code, 0, 'openssl made a key and a certificate')

  return { key: fs.readFileSync(key), cert: fs.readFileSync(cert) }
}

// Sends `outgoing` and ends; resolves with everything received until 'end'.
function exchange(socket, outgoing) {
  return new Promise((resolve, reject) => {
    const chunks = []
    socket.on('data', (data) => chunks.push(data))
    socket.on('end', () => resolve(Buffer.concat(chunks)))
    socket.on('error', reject)
    socket.end(outgoing)
  })
}

test('bare-tls reaches this bare-tcp through bare-net', (t) => {
  // Not the hoisted node_modules/bare-net, which would find the published
  // bare-tcp beside it.
  t.not(ecosystem.resolve('bare-tls', 'bare-net'), require.resolve('bare-net'))
  t.is(ecosystem.resolve('bare-net', 'bare-tcp'), require.resolve('..'))
  t.comment(`bare-tls ${ecosystem.version('bare-tls')}`)
})

test('bare-tls server and client carry data both ways', needs, async (t) => {
  const tls = ecosystem.load('bare-tls')
  const { key, cert } = await certificate(t)

  const toServer = crypto.randomBytes(200000)
  const toClient = crypto.randomBytes(300000)

  let serverGot = null

  const server = tls.createServer({ key, cert }, async (socket) => {
    t.ok(socket._socket._socket instanceof tcp.Socket, 'the TLS session runs on our Socket')
    serverGot = await exchange(socket, toClient)
  })
  t.teardown(() => new Promise((resolve) => server.close(resolve)))

  server.listen(0, '127.0.0.1')
  await once(server, 'listening')

  const client = tls.connect({
    port: server.address().port,
    host: 'localhost',
    ca: cert,
    allowHalfOpen: true
  })
  t.teardown(() => client.destroy())

  const clientGot = await exchange(client, toServer)
  await once(client, 'close')

  t.alike(clientGot, toClient, 'server to client arrived whole')
  t.alike(serverGot, toServer, 'client to server arrived whole')
})

test('bare-tls sockets wrapped around our client and server sockets', needs, async (t) => {
  const tls = ecosystem.load('bare-tls')
  const { key, cert } = await certificate(t)

  const toServer = crypto.randomBytes(500000)
  const toClient = crypto.randomBytes(100000)

  let serverGot = null

  const server = tcp.createServer((raw) => {
    const socket = new tls.Socket(raw, { isServer: true, key, cert })
    exchange(socket, toClient).then((data) => (serverGot = data))
  })
  t.teardown(() => {
    for (const socket of server.connections) socket.destroy()
    return new Promise((resolve) => server.close(resolve))
  })

  server.listen(0, '127.0.0.1')
  await once(server, 'listening')

  const raw = tcp.createConnection(server.address().port, '127.0.0.1')
  t.teardown(() => raw.destroy())

  const client = new tls.Socket(raw, { host: 'localhost', ca: cert })

  const clientGot = await exchange(client, toServer)
  await once(raw, 'close')

  t.alike(clientGot, toClient, 'server to client arrived whole')
  t.alike(serverGot, toServer, 'client to server arrived whole')
  t.ok(raw.bytesWritten > toServer.byteLength, 'the ciphertext went through our socket')
  t.ok(raw.bytesRead > toClient.byteLength, 'and came back through it')
})

test('bare-tls client refuses a certificate it does not trust', needs, async (t) => {
  const tls = ecosystem.load('bare-tls')
  const { key, cert } = await certificate(t)

  const server = tls.createServer({ key, cert }, (socket) => {
    socket.on('error', () => {})
    socket.resume()
  })
  t.teardown(() => new Promise((resolve) => server.close(resolve)))

  server.listen(0, '127.0.0.1')
  await once(server, 'listening')

  const client = tls.connect({ port: server.address().port, host: 'localhost' })
  t.teardown(() => client.destroy())

  const [err] = await once(client, 'error')
  t.ok(err, `handshake failed: ${err.code || err.message}`)
})
