const test = require('brittle')
const { spawn } = require('bare-subprocess')
const path = require('bare-path')
const env = require('bare-env')
const { tcp, connect, once } = require('./helpers')

test('IPv6 zone ids are kept in addresses, in a network namespace of the test', async (t) => {
  // A namespace of its own, where lo carries the link-local fe80::1, so the
  // machine's own interfaces are left alone.
  const fixture = path.join(__dirname, 'fixtures', 'zone.js')

  // Under the sanitizer run, the tools in between run without the sanitizer
  // runtime and Bare gets it back.
  const sanitizer = ['LD_PRELOAD', 'ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS']
    .filter((name) => env[name])
    .map((name) => `${name}='${env[name]}'`)
    .join(' ')

  const script = `ip link set lo up && ip -6 addr add fe80::1/64 dev lo nodad && exec env ${sanitizer} "${Bare.argv[0]}" "${fixture}"`
  const child = spawn('unshare', ['-n', 'bash', '-c', script], {
    stdio: ['ignore', 'pipe', 'pipe']
  })

  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (data) => (stdout += data))
  child.stderr.on('data', (data) => (stderr += data))

  const [code] = await once(child, 'exit')
  t.is(code, 0, stderr)
  t.is(
    stdout,
    'listening on fe80::1%lo\nserver sees fe80::1%lo\nclient sees fe80::1%lo\n',
    'address(), remoteAddress on both ends'
  )
})

test('a zone id survives into error addresses', async (t) => {
  const socket = connect(t, 9, 'fe80::1%lo')
  const [err] = await once(socket, 'error')
  t.is(err.address, 'fe80::1%lo')
  t.is(err.port, 9)
  t.is(err.message, `connect ${err.code} [fe80::1%lo]:9`)
})

test('a zone that names no interface fails with EINVAL at once, as in Node.js', async (t) => {
  // libuv would send such a connect out of a default interface instead,
  // where it hangs until the kernel gives up.
  for (const host of ['fe80::1%nonexist0', 'fe80::1%1']) {
    const socket = connect(t, 9, host)
    const [err] = await once(socket, 'error')
    t.is(err.code, 'EINVAL', host)
    t.is(err.syscall, 'connect')
  }

  const server = tcp.createServer()
  server.listen(0, 'fe80::1%nonexist0')
  const [err] = await once(server, 'error')
  t.is(err.code, 'EINVAL')
  t.is(err.syscall, 'listen')

  const bound = connect(t, { port: 9, host: '::1', localAddress: 'fe80::1%nonexist0' })
  const [bindErr] = await once(bound, 'error')
  t.is(bindErr.code, 'EINVAL')
  t.is(bindErr.syscall, 'bind')
})
