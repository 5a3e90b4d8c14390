// Scenario code shared by the Bare and Node.js entry points, so that the TCP
// module is the only thing that differs between them. bench/c/uvbench.c
// mirrors it line for line in C; keep the two in step.
//
// `tcp` is bare-tcp (ours or upstream) or Node's `net`; `io` hides the
// runtime: { print(line), exit(code), now() -> ms }.

const PATTERN = 251 // prime, so a lost or repeated chunk shifts the pattern
const MSG = 64
const MAX_CONNECTING = 128 // stay well under the listen backlog
const HOST = '127.0.0.1'

const CRLF2 = Buffer.from('\r\n\r\n')
const RESPONSE = Buffer.from(
  'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n' +
    'Connection: keep-alive\r\n\r\nhello'
)
const OK = Buffer.from('K')
const CORRUPT = Buffer.from('X')
const ONE = Buffer.from('x')

function noop() {}

function fail(io, message) {
  console.error('scenario failed: ' + message)
  io.exit(1)
}

// Each writes' payload is a view of one long pattern buffer, so no write
// allocates and the receiver can check any chunk from its stream offset.
function patternViews(size) {
  const pattern = Buffer.alloc(size + PATTERN)
  for (let i = 0; i < pattern.length; i++) pattern[i] = i % PATTERN
  const views = []
  for (let k = 0; k < PATTERN; k++) views.push(pattern.subarray(k, k + size))
  return { pattern, views }
}

const servers = {
  echo(socket) {
    socket.on('data', (data) => socket.write(data))
  },

  // Checks the first and last byte of every chunk against the pattern: cheap
  // enough not to cap throughput, and any loss, duplication or reordering
  // moves a chunk boundary off the pattern.
  sink(socket, opts) {
    const total = opts.total
    let got = 0
    let good = true
    socket.on('data', (data) => {
      const n = data.length
      if (data[0] !== got % PATTERN || data[n - 1] !== (got + n - 1) % PATTERN) good = false
      const before = got
      got += n
      if (before < total && got >= total) socket.write(good && got === total ? OK : CORRUPT)
    })
  },

  conn(socket) {
    let replied = false
    socket.on('data', () => {
      if (replied) return
      replied = true
      socket.end(ONE)
    })
  },

  idle(socket) {
    socket.on('data', noop)
  },

  // Minimal HTTP/1.1 keep-alive: every "\r\n\r\n" ends a request.
  http(socket) {
    let partial = null
    socket.on('data', (data) => {
      if (partial !== null) {
        data = Buffer.concat([partial, data])
        partial = null
      }
      let start = 0
      let requests = 0
      let end
      while ((end = data.indexOf(CRLF2, start)) !== -1) {
        requests++
        start = end + 4
      }
      // Copied: the read buffer may be reused by the module.
      if (start < data.length) partial = Buffer.from(data.subarray(start))
      for (let i = 0; i < requests; i++) socket.write(RESPONSE)
    })
  }
}

exports.server = function server(tcp, mode, opts, io) {
  const handle = servers[mode]
  if (!handle) return fail(io, 'unknown server scenario ' + mode)
  let accepted = 0
  const srv = tcp.createServer({}, (socket) => {
    // A client that exits resets its connections; that is not a server error.
    socket.on('error', noop)
    handle(socket, opts)
    if (mode === 'idle' && ++accepted === opts.count) io.print('ACCEPTED ' + accepted)
  })
  srv.on('error', (err) => fail(io, 'server: ' + err.message))
  srv.listen(0, HOST, () => io.print('READY ' + srv.address().port))
}

// Starts the measured window after `warmup` ms and reports after `duration`
// more; `max` bounds the count as well as the time.
function clock(io, opts) {
  const c = { ops: 0, mark: 0, t: io.now(), running: true, max: opts.max || Infinity }
  setTimeout(() => {
    c.mark = c.ops
    c.t = io.now()
  }, opts.warmup || 0)
  const end = setTimeout(() => c.report(), (opts.warmup || 0) + (opts.duration || 1000))
  c.report = () => {
    c.running = false
    clearTimeout(end)
    io.print('RESULT ' + JSON.stringify({ ops: c.ops - c.mark, ms: io.now() - c.t }))
    io.exit(0)
  }
  c.count = () => {
    if (++c.ops >= c.max) c.report()
    return c.running
  }
  return c
}

const clients = {
  // bulk and pipelined: `total` bytes in `write`-byte writes, honouring
  // backpressure, timed until the sink server confirms the bytes.
  stream(tcp, port, opts, io) {
    const total = opts.total
    const size = opts.write || 65536
    const { pattern, views } = patternViews(size)
    const socket = tcp.createConnection(port, HOST)
    let sent = 0
    let writes = 0
    let t0 = 0
    const pump = () => {
      while (sent < total) {
        const n = Math.min(size, total - sent)
        const off = sent % PATTERN
        const chunk = n === size ? views[off] : pattern.subarray(off, off + n)
        sent += n
        writes++
        if (!socket.write(chunk)) return socket.once('drain', pump)
      }
    }
    socket.on('error', (err) => fail(io, err.message))
    socket.on('connect', () => {
      t0 = io.now()
      pump()
    })
    socket.on('data', (data) => {
      if (data[0] !== OK[0]) return fail(io, 'sink server found a corrupt stream')
      const ms = io.now() - t0
      io.print('RESULT ' + JSON.stringify({ ops: writes, bytes: total, ms }))
      io.exit(0)
    })
  },

  // ping-pong (count=1) and echo-many (count=64): one message in flight per
  // connection; byte values carry the sequence number so echoes are checked.
  pingpong(tcp, port, opts, io) {
    const n = opts.count || 1
    const messages = []
    for (let i = 0; i < 256; i++) messages.push(Buffer.alloc(MSG, i))
    const sockets = []
    let connected = 0
    let c = null
    for (let i = 0; i < n; i++) {
      const socket = tcp.createConnection(port, HOST)
      let seq = 0
      let got = 0
      sockets.push(socket)
      socket.on('error', (err) => fail(io, err.message))
      socket.on('connect', () => {
        if (++connected < n) return
        c = clock(io, opts)
        for (const s of sockets) s.write(messages[0])
      })
      socket.on('data', (data) => {
        if (got === 0 && data[0] !== (seq & 0xff)) return fail(io, 'echo out of order')
        got += data.length
        if (got < MSG) return
        if (got > MSG) return fail(io, 'echo longer than the message')
        got = 0
        seq++
        if (c.count()) socket.write(messages[seq & 0xff])
      })
    }
  },

  // connect, 1 byte each way, close; `inflight` connections at a time.
  connrate(tcp, port, opts, io) {
    const c = clock(io, opts)
    let failures = 0
    let lastError = ''
    const one = () => {
      const socket = tcp.createConnection(port, HOST)
      let replied = false
      socket.on('connect', () => socket.write(ONE))
      socket.on('data', () => {
        if (replied) return
        replied = true
        socket.end()
      })
      socket.on('error', (err) => {
        lastError = err.message
      })
      socket.on('close', () => {
        if (replied) {
          if (!c.count()) return
        } else if (++failures > 1000) {
          return fail(io, 'too many failed connections: ' + lastError)
        }
        if (c.running) one()
      })
    }
    for (let i = 0; i < (opts.inflight || 16); i++) one()
  },

  // idle: once the orchestrator's gate sends a byte (it has read our base
  // RSS by then), open `count` connections and hold them.
  idle(tcp, port, opts, io) {
    const n = opts.count
    const sockets = []
    let started = 0
    let connected = 0
    const open = () => {
      while (started < n && started - connected < MAX_CONNECTING) {
        started++
        const socket = tcp.createConnection(port, HOST)
        sockets.push(socket)
        socket.on('error', (err) => fail(io, 'idle connection: ' + err.message))
        socket.on('data', noop)
        socket.on('connect', () => {
          if (++connected === n) io.print('CONNECTED ' + connected)
          open()
        })
      }
    }
    const gate = tcp.createConnection(opts.gate, HOST)
    gate.on('error', (err) => fail(io, 'gate: ' + err.message))
    gate.on('data', () => {
      if (started === 0) open()
    })
  }
}

exports.client = function client(tcp, mode, port, opts, io) {
  const run = clients[mode]
  if (!run) return fail(io, 'unknown client scenario ' + mode)
  run(tcp, port, opts, io)
}

// A round trip through the module before any timing, so that a module that
// cannot load, listen, connect or echo is reported once and skipped.
exports.check = function check(tcp, io) {
  const timer = setTimeout(() => fail(io, 'check timed out'), 10000)
  const srv = tcp.createServer({}, (socket) => {
    socket.on('error', noop)
    socket.on('data', (data) => socket.write(data))
  })
  srv.on('error', (err) => fail(io, 'listen: ' + err.message))
  srv.listen(0, HOST, () => {
    const socket = tcp.createConnection(srv.address().port, HOST)
    socket.on('error', (err) => fail(io, 'connect: ' + err.message))
    socket.on('connect', () => socket.write(ONE))
    socket.on('data', (data) => {
      if (data[0] !== ONE[0]) return fail(io, 'echo returned the wrong byte')
      clearTimeout(timer)
      io.print('OK')
      io.exit(0)
    })
  })
}

// key=value arguments, numbers where they parse as numbers.
exports.parseOptions = function parseOptions(args) {
  const opts = {}
  for (const arg of args) {
    const eq = arg.indexOf('=')
    if (eq === -1) continue
    const value = arg.slice(eq + 1)
    opts[arg.slice(0, eq)] = value !== '' && !isNaN(Number(value)) ? Number(value) : value
  }
  return opts
}

exports.main = function main(tcp, args, io) {
  const [role, mode, port, ...rest] = args
  const opts = exports.parseOptions(rest)
  if (role === 'check') return exports.check(tcp, io)
  if (role === 'server') return exports.server(tcp, mode, opts, io)
  if (role === 'client') return exports.client(tcp, mode, Number(port), opts, io)
  fail(io, 'usage: <check|server|client> <scenario> <port> [key=value...]')
}
