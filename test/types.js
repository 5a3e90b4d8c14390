// The declarations and the runtime agree on names: every function index.d.ts
// exports and every member lib/socket.d.ts and lib/server.d.ts declare
// exists at runtime. The signatures themselves are checked by tsc over
// test/types/ (npm run test:types).

const test = require('brittle')
const fs = require('bare-fs')
const path = require('bare-path')
const tcp = require('..')

const ROOT = path.join(__dirname, '..')

function read(file) {
  return fs.readFileSync(path.join(ROOT, file)).toString()
}

// The member names of `interface NAME<...> ... { ... }` in a declaration
// file: one member per line, as the declarations are written.
function members(source, name) {
  const start = source.indexOf(`interface ${name}<`)
  if (start === -1) throw new Error(`no interface ${name}`)

  const open = source.indexOf('{\n', start)
  const close = source.indexOf('\n}\n', open)
  const names = new Set()

  for (const line of source.slice(open + 2, close).split('\n')) {
    const match = /^ {2}(?:readonly )?([A-Za-z_][A-Za-z0-9_]*)\??[(<:]/.exec(line)
    if (match) names.add(match[1])
  }

  return [...names]
}

test('every function index.d.ts exports exists', (t) => {
  const names = [...read('index.d.ts').matchAll(/^export function (\w+)/gm)].map((m) => m[1])

  t.ok(names.length >= 5, `${names.length} functions declared`)
  for (const name of names) t.is(typeof tcp[name], 'function', `tcp.${name}`)

  // TCPSocket, TCPServer and TCPError are declared too, as the names other
  // packages' declarations import; at runtime they are Socket, Server and
  // errors.
  t.is(typeof tcp.Socket, 'function', 'tcp.Socket')
  t.is(typeof tcp.Server, 'function', 'tcp.Server')
  t.is(tcp.connect, tcp.createConnection, 'tcp.connect is tcp.createConnection')
  t.is(typeof tcp.errors, 'function', 'tcp.errors is the TCPError class')
  t.is(typeof tcp.constants, 'object', 'tcp.constants')
})

test('every member lib/socket.d.ts declares exists on a Socket', (t) => {
  const names = members(read('lib/socket.d.ts'), 'TCPSocket')
  const socket = new tcp.Socket()
  t.teardown(() => socket.destroy())

  t.ok(names.length >= 30, `${names.length} members declared`)
  for (const name of names) t.ok(name in socket, `socket.${name}`)

  t.ok(Symbol.asyncDispose in socket, 'socket[Symbol.asyncDispose]')
  t.ok(Symbol.for('bare.ipc.handle') in socket, "socket[Symbol.for('bare.ipc.handle')]")
  t.ok(Symbol.for('bare.ipc.accept') in socket, "socket[Symbol.for('bare.ipc.accept')]")
})

test('every member lib/server.d.ts declares exists on a Server', (t) => {
  const names = members(read('lib/server.d.ts'), 'TCPServer')
  const server = new tcp.Server()

  t.ok(names.length >= 10, `${names.length} members declared`)
  for (const name of names) t.ok(name in server, `server.${name}`)

  t.ok(Symbol.asyncDispose in server, 'server[Symbol.asyncDispose]')
})

test('every error factory lib/errors.d.ts declares exists', (t) => {
  const names = [...read('lib/errors.d.ts').matchAll(/^ {2}static (\w+)\(/gm)].map((m) => m[1])

  t.ok(names.length >= 8, `${names.length} factories declared`)
  for (const name of names) t.is(typeof tcp.errors[name], 'function', `errors.${name}`)
})

test('every constant lib/constants.d.ts declares exists', (t) => {
  const source = read('lib/constants.d.ts')

  for (const group of ['state', 'address', 'defaults']) {
    const block = source.slice(
      source.indexOf(`  ${group}: {`),
      source.indexOf('\n  }', source.indexOf(`  ${group}: {`))
    )
    const names = [...block.matchAll(/^ {4}([A-Z_]+): number/gm)].map((m) => m[1])

    t.ok(names.length > 0, `constants.${group} declares some`)
    for (const name of names)
      t.is(typeof tcp.constants[group][name], 'number', `constants.${group}.${name}`)
  }
})
