// A keep-alive HTTP/1.1 "hello" server written on the raw socket API: it
// parses request heads itself, answers each request on the connection in
// order (pipelined ones included) and keeps the connection open until the
// client asks to close it or stays idle for too long.
//
//   bare examples/http-hello.js [port] [host]     (default 8080 on localhost)
//
// Try it with curl: `curl -v localhost:8080/ localhost:8080/again` shows the
// second request re-using the first connection.
//
// Not a general HTTP server: request bodies are taken only with a
// Content-Length (chunked uploads get 411), and heads are capped at 16 KiB.
const tcp = require('..')

const [port = '8080', host = 'localhost'] = Bare.argv.slice(2)

const MAX_HEAD = 16 * 1024
const IDLE_TIMEOUT = 5000

const server = tcp.createServer({ noDelay: true }, (socket) => {
  let buffered = Buffer.alloc(0)
  let bodyLeft = 0 // bytes of the current request's body still to skip
  let served = 0
  let closed = false // a response said "Connection: close": ignore the rest

  const respond = (status, body, keepAlive) => {
    reply(socket, status, body, keepAlive)
    if (!keepAlive) closed = true
  }

  socket.setTimeout(IDLE_TIMEOUT, () => socket.destroy())
  socket.on('error', () => {}) // a reset peer is not our problem

  socket.on('data', (data) => {
    if (closed) return

    buffered = buffered.byteLength === 0 ? data : Buffer.concat([buffered, data])

    while (!closed && !socket.destroying) {
      if (bodyLeft > 0) {
        const skip = Math.min(bodyLeft, buffered.byteLength)
        bodyLeft -= skip
        buffered = buffered.subarray(skip)
        if (bodyLeft > 0) return
      }

      const end = buffered.indexOf('\r\n\r\n')

      if (end === -1) {
        if (buffered.byteLength > MAX_HEAD) respond(431, 'Header too large\n', false)
        return
      }

      const request = parse(buffered.subarray(0, end).toString('latin1'))
      buffered = buffered.subarray(end + 4)

      if (request === null) return respond(400, 'Bad request\n', false)
      if (request.headers['transfer-encoding']) {
        return respond(411, 'Send a Content-Length\n', false)
      }

      const length = request.headers['content-length'] || '0'
      if (!/^[0-9]{1,15}$/.test(length)) return respond(400, 'Bad Content-Length\n', false)
      bodyLeft = Number(length)

      served++
      respond(200, `Hello, world! (request ${served} on this connection)\n`, request.keepAlive)
    }
  })
})

// The request line and headers, or null when they make no sense.
function parse(head) {
  const [line, ...fields] = head.split('\r\n')
  const match = /^([A-Z]+) (\S+) HTTP\/1\.([01])$/.exec(line)
  if (match === null) return null

  const headers = {}

  for (const field of fields) {
    const colon = field.indexOf(':')
    if (colon <= 0) return null
    headers[field.slice(0, colon).trim().toLowerCase()] = field.slice(colon + 1).trim()
  }

  const connection = (headers.connection || '').toLowerCase()

  // HTTP/1.1 keeps the connection unless told to close; HTTP/1.0 closes it
  // unless told to keep it.
  const keepAlive =
    match[3] === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection)

  return { method: match[1], target: match[2], headers, keepAlive }
}

function reply(socket, status, body, keepAlive) {
  const reason = {
    200: 'OK',
    400: 'Bad Request',
    411: 'Length Required',
    431: 'Request Header Fields Too Large'
  }

  const head =
    `HTTP/1.1 ${status} ${reason[status]}\r\n` +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    (keepAlive ? `Keep-Alive: timeout=${IDLE_TIMEOUT / 1000}\r\n` : 'Connection: close\r\n') +
    '\r\n'

  socket.write(head + body)

  // Closing: end our side, and drop what else the client sends.
  if (!keepAlive) socket.end()
}

server.on('error', (err) => {
  console.error(`http-hello: ${err.message}`)
  Bare.exitCode = 1
})

server.listen(port, host, () => {
  const { address, family, port } = server.address()
  console.log(
    `http-hello listening on http://${family === 'IPv6' ? `[${address}]` : address}:${port}/`
  )
})
