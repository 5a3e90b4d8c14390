// bare-http1, as published, running on this bare-tcp (helpers/ecosystem.js),
// answering its own client and curl.

const test = require('brittle')
const crypto = require('bare-crypto')
const tcp = require('..')
const ecosystem = require('./helpers/ecosystem')
const tools = require('./helpers/tools')
const { once } = require('./helpers')

const BIG = crypto.randomBytes(1024 * 1024)

// A server that answers GET /big with BIG, and anything else with the
// method, the path and the length of the request body; it counts the TCP
// connections it accepted.
async function listen(t, http) {
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (data) => chunks.push(data))
    req.on('end', () => {
      const body =
        req.url === '/big'
          ? BIG
          : Buffer.from(`${req.method} ${req.url} ${Buffer.concat(chunks).byteLength}\n`)

      res.setHeader('Content-Type', 'application/octet-stream')
      res.setHeader('Content-Length', body.byteLength)
      res.end(body)
    })
  })

  server.accepted = 0
  server.on('connection', () => server.accepted++)

  t.teardown(() => {
    for (const socket of server.connections || []) socket.destroy()
    return new Promise((resolve) => server.close(resolve))
  })

  server.listen(0, '127.0.0.1')
  await once(server, 'listening')

  return server
}

function request(http, opts, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(opts, (res) => {
      const socket = req.socket
      const chunks = []
      res.on('data', (data) => chunks.push(data))
      res.on('end', () => resolve({ res, socket, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

test('bare-http1 resolves bare-tcp to this repository', (t) => {
  t.is(ecosystem.resolve('bare-http1', 'bare-tcp'), require.resolve('..'))
  t.comment(`bare-http1 ${ecosystem.version('bare-http1')}`)
})

test('bare-http1 server answers a bare-http1 client', async (t) => {
  const http = ecosystem.load('bare-http1')
  const server = await listen(t, http)
  const { port } = server.address()

  t.ok(server instanceof tcp.Server, 'the HTTP server is our Server')

  // No agent given: bare-http1's global agent, whose options include
  // keepAlive: 1000 (a number), reach our createConnection().
  let get
  try {
    get = await request(http, { port, host: '127.0.0.1', path: '/hello' })
  } catch (err) {
    t.fail(`a request through bare-http1's global agent failed: ${err.message}`)
    return
  }

  t.is(get.res.statusCode, 200)
  t.is(get.body.toString(), 'GET /hello 0\n')
  t.ok(get.socket instanceof tcp.Socket, 'the client connection is our Socket')

  const payload = crypto.randomBytes(200000)
  const post = await request(
    http,
    { port, host: '127.0.0.1', method: 'POST', path: '/upload' },
    payload
  )
  t.is(post.body.toString(), `POST /upload ${payload.byteLength}\n`)

  const big = await request(http, { port, host: '127.0.0.1', path: '/big' })
  t.is(big.res.headers['content-length'], String(BIG.byteLength))
  t.alike(big.body, BIG, '1 MiB response arrived whole')
})

test('bare-http1 keep-alive agent reuses one of our connections', async (t) => {
  const http = ecosystem.load('bare-http1')
  const server = await listen(t, http)
  const { port } = server.address()

  const agent = new http.Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())

  for (let i = 0; i < 5; i++) {
    const { body } = await request(http, { port, host: '127.0.0.1', path: `/${i}`, agent })
    t.is(body.toString(), `GET /${i} 0\n`)
  }

  t.is(server.accepted, 1, 'five requests over one connection')
})

test('bare-http1 server answers curl, keep-alive included', tools.requires('curl'), async (t) => {
  const http = ecosystem.load('bare-http1')
  const server = await listen(t, http)
  const base = `http://127.0.0.1:${server.address().port}`

  // Two URLs in one curl run share one connection.
  const get = await tools.run(t, 'curl', [
    '-sS',
    '--noproxy',
    '*',
    '--max-time',
    '15',
    `${base}/a`,
    `${base}/b`
  ])
  t.is(get.code, 0, get.stderr)
  t.is(get.stdout, 'GET /a 0\nGET /b 0\n')
  t.is(server.accepted, 1, 'curl reused the connection')

  const post = await tools.run(
    t,
    'curl',
    ['-sS', '--noproxy', '*', '--max-time', '15', '--data-binary', '@-', `${base}/form`],
    { input: Buffer.alloc(100000, 'x') }
  )
  t.is(post.code, 0, post.stderr)
  t.is(post.stdout, 'POST /form 100000\n')

  const big = await tools.run(t, 'curl', [
    '-sS',
    '--noproxy',
    '*',
    '--max-time',
    '15',
    `${base}/big`
  ])
  t.is(big.code, 0, big.stderr)
  t.alike(big.stdoutBuffer, BIG, '1 MiB response arrived whole')
})
