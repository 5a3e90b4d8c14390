const test = require('brittle')
const { tcp, listen, echoServer, connect, once, blackhole } = require('./helpers')

// 127.0.0.0/8 all reaches this machine, so 127.0.0.2 and 127.0.0.1 can
// carry different listeners on one port.
async function twoListeners(t, slowHost) {
  const hole = await blackhole(t, slowHost)
  const server = await echoServer(t, { host: '127.0.0.1' }).catch(() => null)
  await new Promise((resolve) => server.close(resolve))

  const working = await listen(t, {}, (socket) => socket.pipe(socket))
  working.close()
  await once(working, 'close')
  working.listen(hole.port, '127.0.0.1')
  await once(working, 'listening')

  return { hole, working }
}

function lookupOf(addresses) {
  return (host, opts, cb) => cb(null, addresses)
}

test('a black-holed first address does not stop the second one from connecting', async (t) => {
  const { hole } = await twoListeners(t, '127.0.0.2')

  const attempts = []
  const failures = []
  const socket = connect(t, hole.port, 'dual.test', {
    connectAttemptDelay: 50,
    lookup: lookupOf([
      { address: '127.0.0.2', family: 4 },
      { address: '127.0.0.1', family: 4 }
    ])
  })

  socket.on('connectionAttempt', (address) => attempts.push(address))
  socket.on('connectionAttemptFailed', (address) => failures.push(address))

  await once(socket, 'connect')

  t.is(socket.remoteAddress, '127.0.0.1')
  t.alike(attempts, ['127.0.0.2', '127.0.0.1'], 'the second attempt started while the first hung')
  t.alike(failures, [], 'the losing attempt is closed, not reported as failed')

  socket.write('works')
  const [data] = await once(socket, 'data')
  t.is(data.toString(), 'works')
})

test(
  'a slow but working first address is kept while later ones fail',
  { timeout: 30000 },
  async (t) => {
    const hole = await blackhole(t, '127.0.0.2')

    // Nothing listens on 127.0.0.1 at this port: the second attempt is
    // refused at once. Node.js would give up on the first after 250 ms.
    const socket = connect(t, hole.port, 'slow.test', {
      connectAttemptDelay: 20,
      lookup: lookupOf([
        { address: '127.0.0.2', family: 4 },
        { address: '127.0.0.1', family: 4 }
      ])
    })
    socket.on('error', () => {})

    const [, , , err] = await once(socket, 'connectionAttemptFailed')
    t.is(err.code, 'ECONNREFUSED', 'the fast address failed')

    await new Promise((resolve) => setTimeout(resolve, 300))
    t.is(socket.connecting, true, 'still waiting for the slow address')

    hole.drain()

    await once(socket, 'connect')
    t.is(socket.remoteAddress, '127.0.0.2', 'the slow address won once it answered')
  }
)

test('addresses are interleaved by family, starting with the first one given', async (t) => {
  const server = await listen(t)
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))

  const socket = connect(t, port, 'many.test', {
    connectAttemptDelay: 1000,
    lookup: lookupOf([
      { address: '::1', family: 6 },
      { address: '::ffff:127.0.0.3', family: 6 },
      { address: '127.0.0.1', family: 4 },
      { address: '127.0.0.2', family: 4 }
    ])
  })

  const attempts = []
  socket.on('connectionAttempt', (address) => attempts.push(address))

  const [err] = await once(socket, 'error')
  t.alike(attempts, ['::1', '127.0.0.1', '::ffff:127.0.0.3', '127.0.0.2'])
  t.is(err.errors.length, 4, 'every attempt failed, each reported once')
})

test('connectAttemptDelay must be a number of milliseconds', (t) => {
  t.exception(() => connect(t, 1, '127.0.0.1', { connectAttemptDelay: -1 }), /INVALID_ARGUMENT/)
})

test("Node.js's autoSelectFamily: the addresses tried are listed; false tries only the first", async (t) => {
  const server = await listen(t, {}, (socket) => socket.destroy())
  const { port } = server.address()
  const lookup = lookupOf([
    { address: '127.0.0.2', family: 4 },
    { address: '127.0.0.1', family: 4 }
  ])

  const all = connect(t, port, 'two.test', { lookup })
  await once(all, 'connect')
  t.alike(all.autoSelectFamilyAttemptedAddresses, ['127.0.0.2:' + port, '127.0.0.1:' + port])

  const first = connect(t, port, 'two.test', { lookup, autoSelectFamily: false })
  const attempts = []
  first.on('connectionAttempt', (address) => attempts.push(address))
  const [err] = await once(first, 'error')
  t.is(err.code, 'ECONNREFUSED', 'the first address only, refused')
  t.alike(attempts, ['127.0.0.2'])
  t.is(first.autoSelectFamilyAttemptedAddresses, undefined)

  const one = connect(t, port, 'one.test', {
    lookup: lookupOf([{ address: '127.0.0.1', family: 4 }])
  })
  await once(one, 'connect')
  t.is(one.autoSelectFamilyAttemptedAddresses, undefined, 'none for one address, as in Node.js')

  const held = connect(t, port, 'two.test', { lookup, family: 4 })
  await once(held, 'connect')
  t.is(held.autoSelectFamilyAttemptedAddresses, undefined, 'none with a family, as in Node.js')

  const literal = connect(t, port, '127.0.0.1')
  await once(literal, 'connect')
  t.is(literal.autoSelectFamilyAttemptedAddresses, undefined, 'none for an IP address')
})

test("Node.js's defaults: get/setDefaultAutoSelectFamily[AttemptTimeout]()", async (t) => {
  t.is(tcp.getDefaultAutoSelectFamily(), true)
  t.is(tcp.getDefaultAutoSelectFamilyAttemptTimeout(), 250)
  t.teardown(() => {
    tcp.setDefaultAutoSelectFamily(true)
    tcp.setDefaultAutoSelectFamilyAttemptTimeout(250)
  })

  t.exception(() => tcp.setDefaultAutoSelectFamily('no'), /INVALID_ARGUMENT/)
  t.exception(() => tcp.setDefaultAutoSelectFamilyAttemptTimeout(0), /INVALID_ARGUMENT/)
  t.exception(() => tcp.setDefaultAutoSelectFamilyAttemptTimeout(1.5), /INVALID_ARGUMENT/)
  tcp.setDefaultAutoSelectFamilyAttemptTimeout(5)
  t.is(tcp.getDefaultAutoSelectFamilyAttemptTimeout(), 10, 'less than 10 is 10, as in Node.js')

  const server = await listen(t, {}, (socket) => socket.destroy())
  const { port } = server.address()
  tcp.setDefaultAutoSelectFamily(false)
  const socket = connect(t, port, 'two.test', {
    lookup: lookupOf([
      { address: '127.0.0.2', family: 4 },
      { address: '127.0.0.1', family: 4 }
    ])
  })
  const [err] = await once(socket, 'error')
  t.is(err.code, 'ECONNREFUSED', 'the default applies: the first address only')

  t.exception(
    () => connect(t, port, '127.0.0.1', { autoSelectFamilyAttemptTimeout: -5 }),
    /INVALID_ARGUMENT/
  )
})

test('thousands of addresses that each fail at once end in one error, without deep recursion', async (t) => {
  const addresses = Array.from({ length: 6000 }, () => ({ address: '127.0.0.1', family: 4 }))
  const socket = tcp.connect({
    host: 'many.test',
    port: 9,
    // Not an address of this machine: every bind() fails during the call.
    localAddress: '192.0.2.1',
    lookup: (host, opts, cb) => cb(null, addresses)
  })

  let failures = 0
  socket.on('connectionAttemptFailed', () => failures++)
  const closed = once(socket, 'close')
  const [err] = await once(socket, 'error')
  await closed

  t.is(failures, 6000, 'every address was tried')
  t.is(err.code, 'EADDRNOTAVAIL')
  t.is(err.errors.length, 6000, 'the error carries every failure')
  t.ok(err.message.length < 1000, 'its message names only the first few')
  t.ok(err.message.endsWith('5996 more)'), err.message.slice(-40))
})

test('autoSelectFamily and autoSelectFamilyAttemptTimeout null are not given, as in Node.js', async (t) => {
  const server = await listen(t, {}, (socket) => socket.destroy())
  const { port } = server.address()
  const socket = connect(t, port, 'two.test', {
    lookup: lookupOf([
      { address: '127.0.0.2', family: 4 },
      { address: '127.0.0.1', family: 4 }
    ]),
    autoSelectFamily: null,
    autoSelectFamilyAttemptTimeout: null
  })
  await once(socket, 'connect')
  t.is(socket.remoteAddress, '127.0.0.1', 'the second address was tried: the default is on')
})
