// Every example under examples/ run as its own Bare process, against our
// own sockets and against programs we did not write: nc (netcat-openbsd)
// and curl.

const test = require('brittle')
const crypto = require('bare-crypto')
const fs = require('bare-fs')
const path = require('bare-path')
const tools = require('./helpers/tools')
const { tcp, listen, connect, collect, once } = require('./helpers')

const EXAMPLES = path.join(__dirname, '..', 'examples')

// Starts examples/<name> with `args`; resolves once its output matches
// `ready`, with the program and the match.
async function example(t, name, args, ready, opts) {
  const program = tools.start(t, tools.BARE, [path.join(EXAMPLES, name), ...args], opts)
  const match = await program.waitFor(ready)
  return { program, match }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

// Waits until read() has returned the same value 10 times in a row, 50 ms
// apart, and returns it; null if it never settles within 30 s. A value that
// settles early on a slow machine can only make the checks after it pass
// when they should not, never fail when they should pass.
async function settled(read) {
  let last = -1
  let same = 0

  for (let i = 0; i < 600; i++) {
    await sleep(50)
    const now = read()
    if (now !== last) {
      last = now
      same = 0
    } else if (++same === 10) {
      return now
    }
  }

  return null
}

// The i-th 64 KiB chunk of a long stream: distinct enough that a lost,
// doubled or reordered chunk changes the hash.
function chunk(i) {
  const data = Buffer.alloc(65536, i % 251)
  data.writeUInt32BE(i, 0)
  return data
}

// Writes `count` chunks with backpressure, then ends; resolves with the
// SHA-256 of what was written.
async function send(socket, count) {
  const hash = crypto.createHash('sha256')

  for (let i = 0; i < count; i++) {
    const data = chunk(i)
    hash.update(data)
    if (!socket.write(data)) await once(socket, 'drain')
  }

  socket.end()
  return hash.digest('hex')
}

// Reads to the end; resolves with { length, sha256 }.
function digest(socket) {
  return new Promise((resolve, reject) => {
    const hash = crypto.createHash('sha256')
    let length = 0
    socket.on('data', (data) => {
      hash.update(data)
      length += data.byteLength
    })
    socket.on('end', () => resolve({ length, sha256: hash.digest('hex') }))
    socket.on('error', reject)
  })
}

// demo.js

test('demo: the echo round trip runs and everything closes by itself', async (t) => {
  const result = await tools.run(t, tools.BARE, [path.join(EXAMPLES, 'demo.js')])

  t.is(result.code, 0, `demo exited by itself ${result.stderr}`)
  t.ok(result.stdout.includes('client: echoed "hello\\nfrom bare-tcp\\n"'), 'the lines came back')
  t.ok(result.stdout.endsWith('server: closed\n'), 'the server closed last')
})

// pass-socket.js

test('pass-socket: the child talks on the connection the parent handed over, and both exit', async (t) => {
  const result = await tools.run(t, tools.BARE, [path.join(EXAMPLES, 'pass-socket.js')])

  t.is(result.code, 0, `exited by itself ${result.stderr}`)
  const port = /parent: connected from port (\d+)/.exec(result.stdout)
  t.ok(port, 'the parent connected')
  t.ok(
    port && result.stdout.includes(`child: echoed "hello from the child on port ${port[1]}"`),
    'the child spoke on the same connection and heard the echo'
  )
  t.ok(result.stdout.endsWith('parent: child exited with 0\n'), 'the child exited first')
})

// echo-server.js

test('echo-server: echoes what a client sends, then closes after the half-close', async (t) => {
  const { match } = await example(
    t,
    'echo-server.js',
    ['0', '127.0.0.1'],
    /listening on 127\.0\.0\.1:(\d+)/
  )

  const payload = crypto.randomBytes(1024 * 1024)
  const socket = connect(t, Number(match[1]), '127.0.0.1')
  socket.end(payload)

  t.alike(await collect(socket), payload)
  await once(socket, 'close')
})

test(
  'echo-server: nc -N sends, half-closes and gets everything back',
  tools.requires('nc'),
  async (t) => {
    const { match } = await example(
      t,
      'echo-server.js',
      ['0', '127.0.0.1'],
      /listening on 127\.0\.0\.1:(\d+)/
    )

    const input = 'hello\nfrom netcat\n' + 'x'.repeat(100000) + '\n'
    const nc = await tools.run(t, 'nc', ['-N', '127.0.0.1', match[1]], { input })

    t.is(nc.code, 0, `nc exited cleanly ${nc.stderr}`)
    t.is(nc.stdout, input)
  }
)

test('echo-server: an IPv6 client', async (t) => {
  const { match } = await example(t, 'echo-server.js', ['0', '::1'], /listening on \[::1\]:(\d+)/)

  const socket = connect(t, Number(match[1]), '::1')
  socket.end('over IPv6')

  t.is((await collect(socket)).toString(), 'over IPv6')
})

// tcpcat.js

test('tcpcat: connects, sends its input, half-closes and prints the answer', async (t) => {
  const input = crypto.randomBytes(500000)
  const answer = crypto.randomBytes(700000)
  let received = null

  const server = await listen(t, {}, async (socket) => {
    received = await collect(socket)
    socket.end(answer)
  })

  const result = await tools.run(
    t,
    tools.BARE,
    [path.join(EXAMPLES, 'tcpcat.js'), '127.0.0.1', server.address().port],
    { input }
  )

  t.is(result.code, 0, `tcpcat exited cleanly ${result.stderr}`)
  t.alike(received, input, 'the server got the input whole')
  t.alike(result.stdoutBuffer, answer, 'tcpcat printed the answer whole')
})

test('tcpcat: reads its input from a file', async (t) => {
  const dir = tools.tmpdir(t)
  const file = path.join(dir, 'input.bin')
  const input = crypto.randomBytes(300000)
  fs.writeFileSync(file, input)

  let received = null
  const server = await listen(t, {}, async (socket) => {
    received = await collect(socket)
    socket.end('thanks')
  })

  const fd = fs.openSync(file, 'r')
  t.teardown(() => fs.closeSync(fd))

  const program = tools.start(
    t,
    tools.BARE,
    [path.join(EXAMPLES, 'tcpcat.js'), '127.0.0.1', server.address().port],
    { stdin: fd }
  )
  const result = await program.exited

  t.is(result.code, 0, `tcpcat exited cleanly ${result.stderr}`)
  t.alike(received, input)
  t.is(result.stdout, 'thanks')
})

test('tcpcat -l: nc -N connects, both sides half-close', tools.requires('nc'), async (t) => {
  const { program, match } = await example(
    t,
    'tcpcat.js',
    ['-l', '0', '127.0.0.1'],
    /listening on 127\.0\.0\.1:(\d+)/
  )

  const nc = tools.start(t, 'nc', ['-N', '127.0.0.1', match[1]])
  nc.end('from nc\n')

  await program.waitFor(/connection from 127\.0\.0\.1:\d+/)
  program.end('from tcpcat\n')

  const [listener, client] = await Promise.all([program.exited, nc.exited])

  t.is(listener.code, 0, `tcpcat exited cleanly ${listener.stderr}`)
  t.is(client.code, 0, `nc exited cleanly ${client.stderr}`)
  t.is(listener.stdout, 'from nc\n')
  t.is(client.stdout, 'from tcpcat\n')
})

test('tcpcat -l and tcpcat connect carry binary data both ways', async (t) => {
  const { program: listener, match } = await example(
    t,
    'tcpcat.js',
    ['-l', '0', '127.0.0.1'],
    /listening on 127\.0\.0\.1:(\d+)/
  )

  const toListener = crypto.randomBytes(1024 * 1024)
  const toClient = crypto.randomBytes(1024 * 1024 + 1)

  const client = tools.start(t, tools.BARE, [
    path.join(EXAMPLES, 'tcpcat.js'),
    '127.0.0.1',
    match[1]
  ])

  listener.end(toClient)
  client.end(toListener)

  const [l, c] = await Promise.all([listener.exited, client.exited])

  t.is(l.code, 0, `listener exited cleanly ${l.stderr}`)
  t.is(c.code, 0, `client exited cleanly ${c.stderr}`)
  t.alike(l.stdoutBuffer, toListener)
  t.alike(c.stdoutBuffer, toClient)
})

test('tcpcat: a refused connection is a clear message and exit code 1', async (t) => {
  const port = await tools.freePort(tcp)
  const result = await tools.run(t, tools.BARE, [
    path.join(EXAMPLES, 'tcpcat.js'),
    '127.0.0.1',
    port
  ])

  t.is(result.code, 1)
  t.is(result.stderr, `tcpcat: connect ECONNREFUSED 127.0.0.1:${port}\n`)
  t.is(result.stdout, '')
})

test('tcpcat: a port in use is a clear message and exit code 1', async (t) => {
  const server = await listen(t)
  const port = server.address().port

  const result = await tools.run(t, tools.BARE, [
    path.join(EXAMPLES, 'tcpcat.js'),
    '-l',
    port,
    '127.0.0.1'
  ])

  t.is(result.code, 1)
  t.is(result.stderr, `tcpcat: listen EADDRINUSE: address already in use 127.0.0.1:${port}\n`)
})

test('tcpcat: bad usage prints the usage and exits with 2', async (t) => {
  const tcpcat = path.join(EXAMPLES, 'tcpcat.js')

  for (const args of [[], ['127.0.0.1'], ['-x', '1'], ['127.0.0.1', '70000'], ['-l', 'nope']]) {
    const result = await tools.run(t, tools.BARE, [tcpcat, ...args])
    t.is(result.code, 2, `tcpcat ${args.join(' ')} exits with 2`)
    t.ok(result.stderr.includes('usage: bare examples/tcpcat.js'), 'and prints the usage')
  }
})

// http-hello.js

test(
  'http-hello: curl gets answers over one kept-alive connection',
  tools.requires('curl'),
  async (t) => {
    const { match } = await example(
      t,
      'http-hello.js',
      ['0', '127.0.0.1'],
      /listening on (http:\S+)/
    )
    const base = match[1]

    const curl = await tools.run(t, 'curl', [
      '-sS',
      '-v',
      '--noproxy',
      '*',
      '--max-time',
      '15',
      base,
      `${base}again`,
      `${base}and-again`
    ])

    t.is(curl.code, 0, curl.stderr)
    t.is(
      curl.stdout,
      'Hello, world! (request 1 on this connection)\n' +
        'Hello, world! (request 2 on this connection)\n' +
        'Hello, world! (request 3 on this connection)\n'
    )
    t.ok(/Re-using existing connection/i.test(curl.stderr), 'curl re-used the connection')
  }
)

test('http-hello: pipelined requests, a body, then Connection: close', async (t) => {
  const { match } = await example(
    t,
    'http-hello.js',
    ['0', '127.0.0.1'],
    /listening on http:\/\/127\.0\.0\.1:(\d+)/
  )

  const socket = connect(t, Number(match[1]), '127.0.0.1')
  socket.write(
    'GET / HTTP/1.1\r\nHost: x\r\n\r\nPOST /form HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab'
  )
  socket.write('cdeGET /last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')

  // The server ends the connection after the third answer.
  const responses = (await collect(socket)).toString().split(/(?=HTTP\/1\.1 )/)

  t.is(responses.length, 3)
  for (let i = 0; i < 3; i++) {
    t.ok(responses[i].startsWith('HTTP/1.1 200 OK\r\n'), `response ${i + 1} is a 200`)
    t.ok(
      responses[i].endsWith(`(request ${i + 1} on this connection)\n`),
      `response ${i + 1} in order`
    )
  }
  t.ok(responses[2].includes('\r\nConnection: close\r\n'), 'the last one says it closes')
})

test('http-hello: HTTP/1.0 without keep-alive is closed after one answer', async (t) => {
  const { match } = await example(
    t,
    'http-hello.js',
    ['0', '127.0.0.1'],
    /listening on http:\/\/127\.0\.0\.1:(\d+)/
  )

  const socket = connect(t, Number(match[1]), '127.0.0.1')
  socket.write('GET / HTTP/1.0\r\n\r\n')

  const response = (await collect(socket)).toString()
  t.ok(response.startsWith('HTTP/1.1 200 OK\r\n'))
  t.ok(response.includes('\r\nConnection: close\r\n'))
})

// proxy.js

async function proxyTo(t, port) {
  const { match } = await example(
    t,
    'proxy.js',
    ['0', '127.0.0.1', port, '127.0.0.1'],
    /proxy listening on 127\.0\.0\.1:(\d+)/
  )
  return Number(match[1])
}

test('proxy: forwards both ways, half-close included', async (t) => {
  const request = crypto.randomBytes(2 * 1024 * 1024)
  const answer = crypto.randomBytes(3 * 1024 * 1024)
  let received = null

  const target = await listen(t, {}, async (socket) => {
    received = await collect(socket)
    socket.end(answer)
  })

  const port = await proxyTo(t, target.address().port)
  const socket = connect(t, port, '127.0.0.1')
  socket.end(request)

  t.alike(await collect(socket), answer, 'the answer came back whole')
  t.alike(received, request, 'the request went through whole')
})

test('proxy: a slow target slows the client down', async (t) => {
  const COUNT = 2048 // 128 MiB, more than every buffer on the way can hold

  let accepted
  const arrived = new Promise((resolve) => (accepted = resolve))

  // The target reads nothing until told to.
  const target = await listen(t, { pauseOnConnect: true }, (socket) => accepted(socket))

  const port = await proxyTo(t, target.address().port)
  const socket = connect(t, port, '127.0.0.1')
  const sent = send(socket, COUNT)

  const far = await arrived
  const stuck = await settled(() => socket.bytesWritten)

  t.ok(stuck !== null, 'the client stopped getting data out')
  t.ok(stuck < COUNT * 65536, `it stopped at ${stuck} of ${COUNT * 65536} bytes`)

  const result = digest(far)
  far.resume()

  const expected = await sent
  t.alike(await result, { length: COUNT * 65536, sha256: expected }, 'then everything arrived')
})

test('proxy: a slow client slows the target down', async (t) => {
  const COUNT = 2048

  let sent = null
  const target = await listen(t, {}, (socket) => {
    sent = send(socket, COUNT)
    socket.resume()
  })

  const port = await proxyTo(t, target.address().port)
  const socket = connect(t, port, '127.0.0.1')
  await once(socket, 'connect')

  // Nothing reads from the client socket yet.
  await settled(() => [...target.connections].reduce((n, s) => n + s.bytesWritten, 0))
  const written = [...target.connections].reduce((n, s) => n + s.bytesWritten, 0)

  t.ok(written < COUNT * 65536, `the target stopped at ${written} of ${COUNT * 65536} bytes`)

  const result = digest(socket)
  const expected = await sent
  t.alike(await result, { length: COUNT * 65536, sha256: expected }, 'then everything arrived')
})

test('proxy: a target that refuses closes the client connection', async (t) => {
  const port = await tools.freePort(tcp)
  const proxy = await proxyTo(t, port)

  // Without allowHalfOpen: false our end would wait for an end() of ours.
  const socket = connect(t, proxy, '127.0.0.1', { allowHalfOpen: false })
  socket.on('error', () => {})

  t.is((await collect(socket)).byteLength, 0, 'the proxy ended the connection with no data')
  await once(socket, 'close')
})

// cluster.js

test('cluster: several threads share one port with reusePort', async (t) => {
  const THREADS = 3

  const { program, match } = await example(
    t,
    'cluster.js',
    ['0', String(THREADS), '127.0.0.1'],
    /cluster listening on 127\.0\.0\.1:(\d+)|thread 0: .*/
  )
  t.ok(match[1], `the main thread listens: ${match[0]}`)
  if (!match[1]) return

  // A thread that cannot listen says why: "thread 1: listen EADDRINUSE ...".
  for (let i = 1; i < THREADS; i++) {
    const [line] = await program.waitFor(new RegExp(`thread ${i} listening|thread ${i}: .*`))
    t.is(line, `thread ${i} listening`, `thread ${i} listens on the same port`)
    if (line !== `thread ${i} listening`) return
  }

  const seen = new Set()

  for (let i = 0; i < 60; i++) {
    const socket = connect(t, Number(match[1]), '127.0.0.1')
    const greeting = (await collect(socket)).toString()
    const thread = /^hello from thread (\d+)\n$/.exec(greeting)

    if (thread === null) {
      t.fail(`unexpected greeting ${JSON.stringify(greeting)}`)
      break
    }
    seen.add(Number(thread[1]))
  }

  t.comment(`connections were served by threads ${[...seen].sort().join(', ')}`)
  t.ok(seen.size >= 2, 'more than one thread served connections')
})
