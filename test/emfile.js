// File descriptors run out: a child process under `ulimit -n 64` fills its
// table with client connections (which must fail with EMFILE errors, not
// crash), then its server is flooded with connections it cannot accept. The
// server must report EMFILE as 'error' events, close what it cannot take,
// keep running and accept again once descriptors are free.
//
// One run of the child serves both tests below.

const test = require('brittle')
const { tcp, listen, once } = require('./helpers')
const { runBare, describe } = require('./fixtures/support')

const FLOOD = 40

let outcome = null

async function floodOnce(t) {
  if (outcome) return outcome

  // Where the child's clients connect to: it keeps them open, unread.
  const sink = await listen(t, {}, (socket) => socket.on('error', () => {}))

  const messages = []
  let waiter = null
  const next = (type) =>
    new Promise((resolve) => {
      const found = messages.find((message) => message.type === type)
      if (found) return resolve(found)
      waiter = { type, resolve }
    })

  const controlServer = await listen(t, {}, (socket) => {
    let buffered = ''
    socket.on('error', () => {})
    socket.on('data', (data) => {
      buffered += data
      let i
      while ((i = buffered.indexOf('\n')) !== -1) {
        const message = JSON.parse(buffered.slice(0, i))
        buffered = buffered.slice(i + 1)
        messages.push(message)
        if (waiter && waiter.type === message.type) waiter.resolve(message)
      }
    })
    controlServer.control = socket
  })

  const child = runBare(t, 'emfile.js', [controlServer.address().port, sink.address().port], {
    ulimit: 64,
    timeout: 60000
  })
  const exited = child.then((run) => {
    if (waiter) waiter.resolve(null)
    return run
  })

  const listening = await next('listening')
  const full = listening && (await next('full'))

  // Connections the child cannot take: each must end one way or another.
  const flood = []
  if (full) {
    for (let i = 0; i < FLOOD; i++) {
      flood.push(
        new Promise((resolve) => {
          const socket = tcp.createConnection(listening.port, '127.0.0.1')
          const seen = { echoed: false, error: null, hung: false }
          const timer = setTimeout(() => {
            seen.hung = true
            socket.destroy()
          }, 20000)
          socket.on('data', () => (seen.echoed = true))
          socket.on('error', (err) => (seen.error = err.code || 'NO_CODE'))
          socket.on('end', () => socket.end())
          socket.on('close', () => {
            clearTimeout(timer)
            resolve(seen)
          })
          socket.end('ping')
        })
      )
    }
  }
  const flooded = await Promise.all(flood)

  // Then the child frees its descriptors, and must accept again.
  const again = []
  if (full) {
    controlServer.control.write(JSON.stringify({ type: 'flooded' }) + '\n')
    await next('freed')

    for (let i = 0; i < 3; i++) {
      const socket = tcp.createConnection(listening.port, '127.0.0.1')
      socket.on('error', () => {})
      socket.end('again')
      const chunks = []
      socket.on('data', (data) => chunks.push(data))
      await once(socket, 'close')
      again.push(Buffer.concat(chunks).toString())
    }
    controlServer.control.write(JSON.stringify({ type: 'done' }) + '\n')
  }

  const run = await exited
  outcome = { run, full, flooded, again }
  return outcome
}

test(
  'out of descriptors: clients get EMFILE errors, the flooded server keeps running and accepts again',
  { timeout: 90000 },
  async (t) => {
    const { run, full, flooded, again } = await floodOnce(t)

    t.is(run.signal, null, 'no crash')
    t.is(run.code, 0, describe(run))
    t.ok(full, 'the child filled its descriptor table')

    const result = run.result
    t.ok(result, 'the child reported')
    if (!result) return

    t.ok(result.clients > 0, `${result.clients} client connections opened first`)
    t.ok(
      result.clientErrors.includes('EMFILE'),
      `a client failed with EMFILE (${result.clientErrors})`
    )
    t.ok(
      result.clientErrors.every((code) => code !== 'NO_CODE'),
      'every client error has a code'
    )
    t.ok(
      result.serverErrors.every((code) => code !== 'NO_CODE'),
      'every server error has a code'
    )

    t.is(flooded.length, FLOOD)
    t.absent(
      flooded.some((seen) => seen.hung),
      'no flood connection was left hanging'
    )
    const floodErrors = flooded.map((seen) => seen.error).filter((code) => code !== null)
    t.ok(
      floodErrors.every((code) => code === 'ECONNRESET' || code === 'EPIPE'),
      `each flood connection was served, ended or reset (${floodErrors})`
    )

    t.alike(again, ['again', 'again', 'again'], 'accepting again once descriptors were freed')
    t.ok(result.stillListening, 'the server was listening throughout')

    // Connections that arrive while the table is full are accepted on a
    // reserve descriptor and closed at once, and the server hears of it.
    t.ok(
      result.serverSyscalls.every((syscall) => syscall === 'accept'),
      `every server error came from accept (${result.serverSyscalls})`
    )
    t.ok(
      result.serverErrors.includes('EMFILE'),
      `the server reported running out as EMFILE 'error' events (${result.serverErrors})`
    )
    t.ok(
      flooded.some((seen) => !seen.echoed),
      'connections the server could not take were closed, not served'
    )
  }
)

test(
  'out of descriptors with none in reserve: the server reports EMFILE, waits before retrying, and accepts once one is free',
  { timeout: 60000 },
  async (t) => {
    let announced = null
    const port = new Promise((resolve) => (announced = resolve))
    const child = runBare(t, 'emfile-no-reserve.js', [], {
      ulimit: 64,
      timeout: 30000,
      onstdout: (stdout) => {
        const match = /PORT (\d+)/.exec(stdout)
        if (match) announced(Number(match[1]))
      }
    })
    child.then(() => announced(null))

    // The child listens once its table is full.
    let socket = null
    const listening = await port
    if (listening !== null) {
      socket = tcp.createConnection(listening, '127.0.0.1')
      socket.on('error', () => {})
      await Promise.race([once(socket, 'connect'), once(socket, 'close')])
    }

    let reply = ''
    if (socket !== null && !socket.destroyed) {
      socket.on('data', (data) => (reply += data))
      socket.end('ping')
      await once(socket, 'close')
    }

    const run = await child
    t.is(run.signal, null, 'no crash')
    t.is(run.code, 0, describe(run))
    t.ok(socket, 'connected to the child')

    const result = run.result
    t.ok(result, 'the child reported')
    if (!result) return

    t.ok(result.filled > 0, `the child filled its table (${result.filled} files)`)
    t.alike(result.errors, ['EMFILE', 'EMFILE', 'EMFILE'], 'each failed accept reported once')
    // The back-off is 250 ms; retrying at once would report the next error
    // within a millisecond. Load only makes the gaps longer.
    t.ok(
      result.gaps.every((gap) => gap >= 200),
      `the server waited between attempts (${result.gaps} ms)`
    )
    t.is(result.echoed, 'ping', 'the waiting connection was accepted once a descriptor was free')
    t.is(reply, 'ping', 'and served')
  }
)
