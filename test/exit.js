const test = require('brittle')
const { run } = require('./helpers')

test('Bare.exit() with a server, a connecting socket and active connections open', async (t) => {
  const { code, signal, stderr } = await run(t, 'exit-open.js', ['exit'])
  t.is(signal, null, 'no abort')
  t.is(code, 7, 'the exit code the program chose')
  t.is(stderr, '')
})

test('Bare.exit() with no code and everything open exits with code 0', async (t) => {
  const { code, signal, stderr } = await run(t, 'exit-open.js', ['exit0'])
  t.is(signal, null, 'no abort')
  t.is(code, 0)
  t.is(stderr, '')
})

test('an uncaught exception handled with Bare.exit(1) exits cleanly with handles open', async (t) => {
  const { code, signal, stderr } = await run(t, 'exit-open.js', ['handled'])
  t.is(signal, null, 'no abort')
  t.is(code, 1)
  t.is(stderr, 'uncaught on purpose\n')
})

test('an unhandled exception with handles open ends as it does in plain Bare', async (t) => {
  // Bare reports an unhandled exception and aborts, sockets or not; the
  // addon must add nothing to that, such as a crash of its own.
  const { signal, stderr } = await run(t, 'exit-open.js', ['throw'])
  t.is(signal, 'SIGABRT')
  t.ok(stderr.startsWith('Uncaught Error: uncaught on purpose'), stderr)
  t.absent(/Segmentation|Assertion|bare-tcp/.test(stderr), 'no report from the addon')
})

test('unref() lets the process exit with everything still open', async (t) => {
  const { code, signal, stdout } = await run(t, 'unref.js')
  t.is(signal, null, 'exited by itself')
  t.is(code, 0)
  t.is(stdout, 'unrefed\n')
})

for (const which of ['server', 'socket', 'accepted']) {
  test(`ref() after unref() on the ${which} alone holds the process open again`, async (t) => {
    const { code, signal, stdout } = await run(t, 'unref.js', [which])
    t.is(signal, null)
    t.is(code, 0)
    t.is(stdout, 'unrefed\nheld\n', 'still running when the unref()d timer fired')
  })
}

for (const when of ['before', 'connect']) {
  test(`a client paused ${when === 'before' ? 'before it connects' : "in its 'connect' listener"} reads nothing, so the process exits`, async (t) => {
    // As in Node.js: a socket nobody reads does not hold the loop open, as
    // one reading ahead of the pause would.
    const { code, signal, stdout } = await run(t, 'paused-client.js', [when], { timeout: 10000 })
    t.is(signal, null, 'exited by itself')
    t.is(code, 0)
    t.is(stdout, 'read 0\n', 'nothing read')
  })
}

test('a socket unref()d while connecting lets the process exit once connected', async (t) => {
  const { code, signal, stdout } = await run(t, 'unref-lookup.js')
  t.is(signal, null)
  t.is(code, 0)
  t.is(stdout, 'started\n')
})

test("Bare.exit() in a 'connection' listener ends the batch of accepts: no listener runs after it", async (t) => {
  const { code, signal, stdout } = await run(t, 'exit-in-connection.js', [])
  t.is(signal, null, 'no abort')
  t.is(code, 3)
  t.is(stdout, 'connection\n', "one 'connection', as in Node.js")
})

test("Bare.exit() in a 'data' listener: no 'data' reaches any socket after it, even reads of the same wake-up", async (t) => {
  const { code, signal, stdout } = await run(t, 'exit-in-data.js', [])
  t.is(signal, null, 'no abort')
  t.is(code, 3)
  t.is(stdout, '', "no 'data' after Bare.exit(), as in Node.js")
})
