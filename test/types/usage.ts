// Every signature of the public API, checked by `tsc --strict --noEmit -p
// test/types` (npm run test:types). Nothing here runs: the functions below
// only have to type-check, and the @ts-expect-error lines have to fail.

import * as tcp from '../..'
import {
  Socket,
  Server,
  TCPSocket,
  TCPServer,
  TCPError,
  TCPSocketAddress,
  TCPSocketOptions,
  TCPSocketConnectOptions,
  TCPSocketOpenOptions,
  TCPSocketEvents,
  TCPServerOptions,
  TCPServerListenOptions,
  TCPServerEvents,
  TCPServerDrop,
  TCPInfo,
  TCPLookupFunction,
  TCPAbortSignal,
  TCPSystemError,
  TCPCreateConnectionOptions,
  IPFamily,
  TCPServerDropInfo
} from '../..'
import type { IPCAcceptable } from 'bare-pipe'
import constants = require('../../lib/constants')
import errors = require('../../lib/errors')
import Buffer from 'bare-buffer'

// The names bare-net, bare-http1, bare-https, bare-ws and bare-inspector
// import from 'bare-tcp' in their own declarations.
import type {
  TCPSocket as _A,
  TCPSocketOptions as _B,
  TCPSocketConnectOptions as _C,
  TCPSocketEvents as _D,
  TCPServer as _E,
  TCPServerEvents as _F,
  TCPServerOptions as _G,
  TCPServerListenOptions as _H,
  TCPSocketAddress as _I
} from '../..'

declare const signal: TCPAbortSignal
declare const chunk: Buffer

const realSignal: TCPAbortSignal = {
  aborted: false,
  reason: undefined,
  addEventListener(type, listener, opts) {},
  removeEventListener(type, listener) {}
}

function expectType<T>(value: T): T {
  return value
}

function sockets() {
  const plain = new tcp.Socket()
  const configured = new Socket({ readBufferSize: 4096, allowHalfOpen: false, eagerOpen: false })
  new Socket({
    onread: {
      buffer: Buffer.alloc(1024),
      callback(bytesRead, buffer) {
        expectType<number>(bytesRead)
        expectType<Uint8Array>(buffer)
        expectType<Socket>(this)
        return bytesRead > 0
      }
    }
  })
  new Socket({ onread: { buffer: () => new Uint8Array(16), callback() {} } })
  new Socket({ noDelay: true, keepAlive: true, keepAliveInitialDelay: 1000, signal: null })
  // @ts-expect-error noDelay is a switch
  new Socket({ noDelay: 'yes' })
  // @ts-expect-error onread needs a callback
  new Socket({ onread: { buffer: Buffer.alloc(16) } })
  const viaType: TCPSocket = configured
  expectType<Socket>(viaType)

  const options: TCPSocketOptions = {
    readBufferSize: 1,
    highWaterMark: 0,
    readableHighWaterMark: 1,
    writableHighWaterMark: 2
  }
  expectType<number>(configured.readableHighWaterMark + configured.writableHighWaterMark)
  new Socket(options)
  // @ts-expect-error TCPSocket is a type only: at runtime the class is Socket
  new TCPSocket(options)

  // connect(), every form
  plain.connect(80)
  plain.connect('80')
  plain.connect(80, 'example.com')
  plain.connect(80, 'example.com', { noDelay: true })
  plain.connect(80, 'example.com', { noDelay: true }, () => {})
  plain.connect(80, 'example.com', () => {})
  plain.connect(80, () => {})
  plain.connect({ port: 80 })
  plain.connect({ port: 80, host: '::1' }, () => {})

  const lookup: TCPLookupFunction = (hostname, opts, cb) => {
    expectType<string>(hostname)
    expectType<0 | 4 | 6>(opts.family)
    expectType<number | undefined>(opts.hints)
    cb(null, [{ address: '127.0.0.1', family: 4 }])
    cb(null, '127.0.0.1', 4)
    cb(new Error('nope'), [])
  }

  const everything: TCPSocketConnectOptions & { port: number } = {
    port: 443,
    host: 'localhost',
    lookup,
    hints: 0,
    family: 6,
    keepAlive: true,
    keepAliveInitialDelay: 1000,
    keepAliveInterval: 1000,
    keepAliveCount: 5,
    noDelay: true,
    timeout: 30000,
    userTimeout: 10000,
    sendBufferSize: 65536,
    recvBufferSize: 65536,
    localAddress: '127.0.0.1',
    localPort: 0,
    signal,
    connectAttemptDelay: 250,
    connectTimeout: 5000
  }
  plain.connect(everything)
  plain.connect({ port: 443, family: 'IPv4', timeout: null, signal: realSignal })
  plain.connect({ port: 443, localAddress: null, localPort: null, family: null, signal: null })
  plain.write('text', 'buffer')
  expectType<Socket>(plain.setEncoding('utf8'))

  // open(), every form
  const opened = new Socket()
  const openOptions: TCPSocketOpenOptions = { noDelay: true, keepAlive: true, timeout: 1000 }
  opened.open(3)
  opened.open(3, openOptions)
  opened.open(3, openOptions, () => {})
  opened.open(3, () => {})
  opened.open({ fd: 3 })
  opened.open({ fd: 3, noDelay: true }, () => {})

  // configuration, chained
  plain
    .setKeepAlive()
    .setKeepAlive(true)
    .setKeepAlive(true, 1000)
    .setKeepAlive(true, 1000, { interval: 1000, count: 3 })
    .setKeepAlive(1000)
    .setKeepAlive(1000, { count: 3 })
    .setNoDelay()
    .setNoDelay(false)
    .setTimeout(1000)
    .setTimeout(0, () => {})
    .setUserTimeout(5000)
    .setSendBufferSize(1 << 20)
    .setRecvBufferSize(1 << 20)
    .ref()
    .unref()

  // getters
  expectType<boolean>(plain.connecting)
  expectType<boolean>(plain.pending)
  expectType<boolean>(plain.closed)
  expectType<Error | null>(plain.errored)
  expectType<'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed'>(plain.readyState)
  expectType<number | undefined>(plain.timeout)
  expectType<string | undefined>(plain.localAddress)
  expectType<'IPv4' | 'IPv6' | undefined>(plain.localFamily)
  expectType<number | undefined>(plain.localPort)
  expectType<string | undefined>(plain.remoteAddress)
  expectType<'IPv4' | 'IPv6' | undefined>(plain.remoteFamily)
  expectType<number | undefined>(plain.remotePort)
  expectType<number>(plain.bytesRead)
  expectType<number>(plain.bytesWritten)
  expectType<number>(plain.writableLength)
  expectType<boolean>(plain.keepAlive)
  expectType<number>(plain.keepAliveInitialDelay)
  expectType<boolean>(plain.noDelay)
  expectType<number | undefined>(plain.userTimeout)
  expectType<number | undefined>(plain.sendBufferSize)
  expectType<number | undefined>(plain.recvBufferSize)

  const address = plain.address()
  if (address.port !== undefined) {
    const full: TCPSocketAddress = address
    expectType<number>(full.port)
    expectType<'IPv4' | 'IPv6'>(full.family)
  }

  const info = plain.getInfo()
  if (info !== null) {
    const all: TCPInfo = info
    const numbers: number[] = [
      all.state,
      all.rttMicroseconds,
      all.rttVarianceMicroseconds,
      all.minRttMicroseconds,
      all.congestionWindowSegments,
      all.retransmitsInFlight,
      all.totalRetransmits,
      all.bytesAcked,
      all.bytesReceived,
      all.deliveryRateBytesPerSecond,
      all.somethingElse
    ]
    numbers.length
  }

  // writing
  plain.write('text')
  plain.write('text', 'utf8')
  plain.write('text', 'utf8', (err) => expectType<Error | null>(err))
  plain.write(chunk, (err) => {})
  plain.write(new Uint8Array(4))
  plain.write(new DataView(new ArrayBuffer(4)))
  plain.end()
  plain.end(() => {})
  plain.end('bye')
  plain.end('bye', 'utf8')
  plain.end('bye', 'utf8', (err) => {})
  plain.end(chunk, (err) => {})

  // @ts-expect-error numbers are not chunks
  plain.write(42)

  // events
  plain.on('data', (data) => expectType<Buffer | string>(data))
  plain.on('lookup', (err, address, family, host) => {
    expectType<Error | null>(err)
    expectType<string | undefined>(address)
    expectType<number | undefined>(family)
    expectType<string>(host)
  })
  plain.on('connectionAttempt', (address, port, family) => {
    expectType<[string, number, number]>([address, port, family])
  })
  plain.once('connectionAttemptFailed', (address, port, family, err) => {
    expectType<Error>(err)
  })
  plain.on('connect', () => {})
  plain.on('ready', () => {})
  expectType<boolean>(plain.isPaused())
  expectType<Socket>(plain.destroySoon())
  expectType<boolean | null>(plain.readableFlowing)
  expectType<number>(plain.bufferSize)
  // The published bare-tcp's names and option types.
  const acceptable: IPCAcceptable = plain
  const family: IPFamily = 6
  const dropInfo = (info: TCPServerDropInfo): TCPServerDrop => info
  tcp.createConnection({ port: 1, keepAlive: 1000 })
  tcp.createServer({ keepAlive: 1000 })
  tcp.createConnection({ port: 1, host: 'x.test', lookup: (host, opts, cb) => cb(null, null, 0) })
  void acceptable
  void family
  void dropInfo
  expectType<string[] | undefined>(plain.autoSelectFamilyAttemptedAddresses)
  expectType<boolean>(tcp.getDefaultAutoSelectFamily())
  tcp.setDefaultAutoSelectFamily(true)
  expectType<number>(tcp.getDefaultAutoSelectFamilyAttemptTimeout())
  tcp.setDefaultAutoSelectFamilyAttemptTimeout(250)
  tcp.createConnection({ port: 1, autoSelectFamily: false, autoSelectFamilyAttemptTimeout: 100 })
  expectType<Server | null>(plain.server)
  expectType<number>(plain.readableLength + plain.writableCorked)
  expectType<boolean>(
    plain.readableEnded && plain.writableEnded && plain.writableFinished && plain.writableNeedDrain
  )
  plain.on('timeout', () => {})
  plain.on('end', () => {})
  plain.on('drain', () => {})
  plain.on('finish', () => {})
  plain.on('error', (err) => expectType<Error>(err))
  plain.on('close', (hadError) => expectType<boolean>(hadError))
  plain.once('close', () => {})
  plain.off('close', (hadError: boolean) => {})
  plain.addListener('close', (hadError) => {})
  plain.prependListener('connect', () => {})

  // @ts-expect-error 'close' gives a boolean
  plain.on('close', (hadError: string) => {})

  const events: TCPSocketEvents['connectionAttempt'] = ['127.0.0.1', 80, 4]
  events.length

  // teardown
  expectType<Socket>(plain.destroy())
  plain.destroy(new Error('gone'))
  expectType<Socket>(plain.resetAndDestroy())
  expectType<Promise<void>>(plain[Symbol.asyncDispose]())

  // IPC handle protocol
  const handle: unknown = plain[Symbol.for('bare.ipc.handle') as keyof Socket]
  handle
}

function servers() {
  const plain = tcp.createServer()
  const withListener = tcp.createServer((socket) => expectType<Socket>(socket))
  const options: TCPServerOptions = {
    readBufferSize: 4096,
    highWaterMark: 32768,
    allowHalfOpen: false,
    keepAlive: true,
    keepAliveInitialDelay: 1000,
    noDelay: true,
    pauseOnConnect: true,
    maxConnections: 100,
    keepAliveInterval: 1000,
    keepAliveCount: 3,
    timeout: 60000,
    userTimeout: 10000,
    sendBufferSize: 65536,
    recvBufferSize: 65536
  }
  const configured = tcp.createServer(options, (socket) => socket.end())
  const constructed = new Server(options, () => {})
  const constructedToo = new Server(() => {})
  // @ts-expect-error TCPServer is a type only: at runtime the class is Server
  new TCPServer(() => {})
  const viaType: TCPServer = constructed
  expectType<Server>(viaType)
  withListener.close()
  constructedToo.close()

  // listen(), every form
  plain.listen()
  plain.listen(() => {})
  plain.listen(0)
  plain.listen('8080')
  plain.listen(0, () => {})
  plain.listen(0, '127.0.0.1')
  plain.listen(0, 511, () => {})
  plain.listen(0, '127.0.0.1', () => {})
  plain.listen(0, '127.0.0.1', 128)
  plain.listen(0, '127.0.0.1', 128, () => {})
  plain.listen(0, '127.0.0.1', 128, { ipv6Only: false }, () => {})
  plain.listen({ port: 0 })

  const everything: TCPServerListenOptions = {
    port: 0,
    host: '::',
    backlog: 511,
    ipv6Only: true,
    reusePort: true,
    signal,
    lookup: (hostname, opts, cb) => cb(null, '::', 6),
    family: 6
  }
  configured.listen(everything, () => {})

  // properties
  expectType<boolean>(plain.listening)
  expectType<boolean>(plain.closing)
  expectType<Set<Socket>>(plain.connections)
  expectType<number>(plain.maxConnections)
  plain.maxConnections = 10

  const address = plain.address()
  if (address !== null) expectType<number>(address.port)

  plain.getConnections((err, count) => {
    expectType<Error | null>(err)
    expectType<number>(count)
  })

  // events
  plain.on('listening', () => {})
  plain.on('connection', (socket) => expectType<Socket>(socket))
  plain.on('lookup', (err, address, family, host) => expectType<string>(host))
  plain.on('drop', (data) => {
    const drop: TCPServerDrop = data
    expectType<string | undefined>(drop.localAddress)
    expectType<number | undefined>(drop.localPort)
    expectType<'IPv4' | 'IPv6' | undefined>(drop.localFamily)
    expectType<string | undefined>(drop.remoteAddress)
    expectType<number | undefined>(drop.remotePort)
    expectType<'IPv4' | 'IPv6' | undefined>(drop.remoteFamily)
  })
  plain.on('error', (err) => expectType<Error>(err))
  plain.once('close', () => {})

  const listening: TCPServerEvents['listening'] = []
  listening.length

  // @ts-expect-error 'connection' gives a socket
  plain.on('connection', (socket: string) => {})

  plain.ref().unref()
  plain.close()
  plain.close((err) => expectType<Error | undefined>(err))
  expectType<Promise<void>>(plain[Symbol.asyncDispose]())
}

function helpers() {
  const a: Socket = tcp.createConnection(80)
  const b: Socket = tcp.createConnection(80, 'localhost')
  const c: Socket = tcp.createConnection(80, 'localhost', { allowHalfOpen: false, noDelay: true })
  const d: Socket = tcp.createConnection(80, 'localhost', {}, () => {})
  const e: Socket = tcp.createConnection(80, 'localhost', () => {})
  const f: Socket = tcp.createConnection(80, () => {})
  const opts: TCPCreateConnectionOptions = {
    port: 80,
    readBufferSize: 1024,
    eagerOpen: true,
    keepAlive: true
  }
  const g: Socket = tcp.createConnection(opts)
  const h: Socket = tcp.connect(opts, () => {})
  ;[a, b, c, d, e, f, g, h].length

  expectType<0 | 4 | 6>(tcp.isIP('::1'))
  expectType<boolean>(tcp.isIPv4('127.0.0.1'))
  expectType<boolean>(tcp.isIPv6('::1'))

  const [a0, a1]: [number, number] = tcp.socketpair()
  new Socket().open(a0)
  new Socket().open({ fd: a1 })

  // @ts-expect-error hosts are strings
  tcp.createConnection(80, 443)
}

function constantsAndErrors() {
  expectType<number>(tcp.constants.state.CONNECTING)
  expectType<number>(tcp.constants.state.UNREFED)
  expectType<number>(tcp.constants.address.MAX_LENGTH)
  expectType<number>(tcp.constants.defaults.READ_BUFFER_SIZE)
  expectType<number>(constants.defaults.BACKLOG)

  const all: TCPError[] = [
    tcp.errors.SOCKET_ALREADY_CONNECTED(),
    tcp.errors.SOCKET_IS_CLOSED(),
    tcp.errors.SERVER_ALREADY_LISTENING(),
    tcp.errors.SERVER_IS_CLOSED('closed'),
    tcp.errors.INVALID_ARGUMENT('bad'),
    tcp.errors.INVALID_HOST(),
    tcp.errors.INVALID_PORT('Port must be even'),
    tcp.errors.WRITE_AFTER_END(),
    tcp.errors.INVALID_FD(),
    errors.INVALID_PORT('x')
  ]

  for (const err of all) {
    expectType<string>(err.code)
    expectType<'TCPError'>(err.name)
    expectType<boolean>(err instanceof Error)
  }
}

async function disposal() {
  await using server = tcp.createServer()
  await using socket = tcp.createConnection(80)
  server.listen()
  socket.end()
}

export { sockets, servers, helpers, constantsAndErrors, disposal }
