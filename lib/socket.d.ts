import { Duplex, DuplexEvents } from 'bare-stream'
import Buffer, { BufferEncoding } from 'bare-buffer'
import TCPError from './errors'
import TCPServer from './server'
import type { IPCAcceptable } from 'bare-pipe'

/** The key of the native handle a connected socket hands to bare-pipe/bare-subprocess IPC: `Symbol.for('bare.ipc.handle')`. */
declare const ipcHandle: unique symbol

/** The key of the method called on a socket that received a handle over IPC: `Symbol.for('bare.ipc.accept')`. */
declare const ipcAccept: unique symbol

type TCPFamily = 'IPv4' | 'IPv6'

/** An endpoint, as returned by `address()`. */
interface TCPSocketAddress {
  address: string
  family: TCPFamily
  port: number
}

/** What `address()` gives for a socket that is not connected: `{}`. */
interface TCPNoAddress {
  address?: undefined
  family?: undefined
  port?: undefined
}

/** One address from a lookup. */
interface TCPLookupAddress {
  address: string
  family: number
}

/** What a lookup is given; bare-dns's `lookup` takes it as it is. */
interface TCPLookupOptions {
  family: 0 | 4 | 6
  /** Undefined unless `hints` was given. */
  hints?: number
  all: true
}

/**
 * Resolves host names, called as `lookup(host, { family, hints, all: true }, cb)`; `cb` takes an
 * array of addresses, or one address and its family, Node.js style.
 */
type TCPLookupFunction = (
  hostname: string,
  opts: TCPLookupOptions,
  cb: (err: Error | null, addresses: TCPLookupAddress[] | string | null, family?: number) => void
) => void

/** Anything shaped like an `AbortSignal`. */
interface TCPAbortSignal {
  readonly aborted: boolean
  readonly reason?: unknown
  addEventListener(type: 'abort', listener: () => void, opts?: { once?: boolean }): void
  removeEventListener(type: 'abort', listener: () => void): void
}

interface TCPSocketOptions extends TCPSocketSetupOptions {
  /** Aborting it destroys the socket with an `AbortError` (`code` `'ABORT_ERR'`), connected or not. */
  signal?: TCPAbortSignal | null
  /** The most bytes one read delivers, 1 to 2147483647. Default 65536. */
  readBufferSize?: number
  /** Keep our side writable after the peer's end. Default true. */
  allowHalfOpen?: boolean
  /** Open the stream at once rather than on its first read or write. Default true. */
  eagerOpen?: boolean
  /** Both high-water marks, in bytes; wins over the two below, as in Node.js. */
  highWaterMark?: number | null
  /** Bytes a paused socket buffers before it stops reading. Default 16384. */
  readableHighWaterMark?: number | null
  /** Bytes waiting to be sent before `write()` returns false. Default 65536. */
  writableHighWaterMark?: number | null
  /** Read into one buffer of your own instead of through the stream, as in Node.js. */
  onread?: TCPOnReadOptions
}

interface TCPOnReadOptions {
  /** The buffer every read goes into, or a function returning it, called once when reading starts. */
  buffer: Uint8Array | (() => Uint8Array)
  /** Called with the socket as `this` for each read, before the next; `false` pauses the socket. */
  callback(this: TCPSocket, bytesRead: number, buffer: Uint8Array): boolean | void
}

/** Options that configure a connected socket, given to `connect()` or `open()`. */
interface TCPSocketSetupOptions {
  keepAlive?: boolean | number
  /** Milliseconds of idleness before the first keep-alive probe; 0 keeps the system's default. */
  keepAliveInitialDelay?: number
  /** Milliseconds between keep-alive probes. */
  keepAliveInterval?: number
  /** Unanswered probes before the connection is dropped. */
  keepAliveCount?: number
  noDelay?: boolean
  /** Calls `setTimeout(timeout)` on the socket. */
  timeout?: number | null
  /** Calls `setUserTimeout(userTimeout)` (TCP_USER_TIMEOUT, milliseconds). */
  userTimeout?: number
  sendBufferSize?: number
  recvBufferSize?: number
}

interface TCPSocketConnectOptions extends TCPSocketSetupOptions {
  port?: number | string
  /** Default `'localhost'`. */
  host?: string
  lookup?: TCPLookupFunction
  /** getaddrinfo hints, passed to `lookup`. */
  hints?: number | null
  /** Use only IPv4 (4) or only IPv6 (6) addresses; 0 for both. */
  family?: 0 | 4 | 6 | 'IPv4' | 'IPv6' | null
  /** Bind to this local address before connecting; `''` and `null` mean none. */
  localAddress?: string | null
  /** Bind to this local port before connecting. */
  localPort?: number | string | null
  /** Aborting it destroys the socket with an `AbortError` (`code` `'ABORT_ERR'`) whose `cause` is the signal's reason. */
  signal?: TCPAbortSignal | null
  /** Milliseconds to wait on one address before also trying the next. Default 250. */
  connectAttemptDelay?: number
  /** Node.js's switch: try every address of a host name (true, the default) or only the first. */
  autoSelectFamily?: boolean | null
  /** Node.js's name for connectAttemptDelay: an integer, less than 10 taken as 10. */
  autoSelectFamilyAttemptTimeout?: number | null
  /** Milliseconds the whole connect may take. */
  connectTimeout?: number
}

interface TCPSocketOpenOptions extends TCPSocketSetupOptions {
  /** A file descriptor of a connected TCP socket. */
  fd?: number
}

interface TCPKeepAliveOptions {
  /** Milliseconds between keep-alive probes. */
  interval?: number
  /** Unanswered probes before the connection is dropped. */
  count?: number
}

/** TCP_INFO, as far as the platform reports it. */
interface TCPInfo {
  state: number
  rttMicroseconds: number
  rttVarianceMicroseconds: number
  minRttMicroseconds: number
  congestionWindowSegments: number
  retransmitsInFlight: number
  totalRetransmits: number
  bytesAcked: number
  bytesReceived: number
  deliveryRateBytesPerSecond: number
  [field: string]: number
}

interface TCPSocketEvents extends DuplexEvents {
  data: [data: Buffer | string]
  lookup: [err: Error | null, address: string | undefined, family: number | undefined, host: string]
  connectionAttempt: [address: string, port: number, family: number]
  connectionAttemptFailed: [address: string, port: number, family: number, err: Error]
  connect: []
  ready: []
  timeout: []
}

type TCPWriteCallback = (err: Error | null) => void
type TCPChunk = string | ArrayBufferView

interface TCPSocket<M extends TCPSocketEvents = TCPSocketEvents>
  extends Duplex<M>, AsyncDisposable, IPCAcceptable {
  // 'close' carries hadError; the other events follow TCPSocketEvents.
  on(name: 'close', fn: (hadError: boolean) => unknown): this
  on<E extends keyof M>(name: E, fn: (...args: M[E]) => unknown): this
  once(name: 'close', fn: (hadError: boolean) => unknown): this
  once<E extends keyof M>(name: E, fn: (...args: M[E]) => unknown): this
  off(name: 'close', fn: (hadError: boolean) => unknown): this
  off<E extends keyof M>(name: E, fn: (...args: M[E]) => unknown): this
  addListener(name: 'close', fn: (hadError: boolean) => unknown): this
  addListener<E extends keyof M>(name: E, fn: (...args: M[E]) => unknown): this
  removeListener(name: 'close', fn: (hadError: boolean) => unknown): this
  removeListener<E extends keyof M>(name: E, fn: (...args: M[E]) => unknown): this
  prependListener(name: 'close', fn: (hadError: boolean) => unknown): this
  prependListener<E extends keyof M>(name: E, fn: (...args: M[E]) => unknown): this
  prependOnceListener(name: 'close', fn: (hadError: boolean) => unknown): this
  prependOnceListener<E extends keyof M>(name: E, fn: (...args: M[E]) => unknown): this
  emit(name: 'close', hadError: boolean): boolean
  emit<E extends keyof M>(name: E, ...args: M[E]): boolean

  /** True from `connect()` until connected or failed. */
  readonly connecting: boolean
  /** True while not connected: before, and from `destroy()` on. */
  readonly pending: boolean
  /** `true` once `'close'` was emitted, as in Node.js. */
  readonly closed: boolean
  /** The error that destroyed the socket, or `null`, as in Node.js. */
  readonly errored: Error | null
  readonly readyState: 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed'
  /** The idle timeout in milliseconds, undefined until `setTimeout()`. */
  readonly timeout: number | undefined

  readonly localAddress: string | undefined
  readonly localFamily: TCPFamily | undefined
  readonly localPort: number | undefined
  readonly remoteAddress: string | undefined
  readonly remoteFamily: TCPFamily | undefined
  readonly remotePort: number | undefined

  /** Bytes received. */
  readonly bytesRead: number
  /** Bytes that reached the kernel. */
  readonly bytesWritten: number
  /** Bytes written but not yet handed to the kernel. */
  readonly writableLength: number
  /** `'address:port'` of every address tried for a host name, as in Node.js; undefined otherwise. */
  readonly autoSelectFamilyAttemptedAddresses: string[] | undefined
  /** Node.js's deprecated name for `writableLength`. */
  readonly bufferSize: number
  /** The server that accepted the socket; `null` for a socket that connected. */
  server: TCPServer | null
  /** As in Node.js: `'end'` was emitted. */
  readonly readableEnded: boolean
  /** Bytes (or characters after `setEncoding()`) waiting to be read. */
  readonly readableLength: number
  /** `null` until something reads or pauses, `true` while flowing, `false` after `pause()` (and for a socket accepted with `pauseOnConnect` until resumed). */
  readonly readableFlowing: boolean | null
  /** `end()` was called. */
  readonly writableEnded: boolean
  /** The writable side has shut down. */
  readonly writableFinished: boolean
  /** A `'drain'` is owed. */
  readonly writableNeedDrain: boolean
  /** 1 while corked, else 0: `cork()` is a switch. */
  readonly writableCorked: number
  readonly readableHighWaterMark: number
  readonly writableHighWaterMark: number

  /** Whether the socket stays writable after the peer's end (the option, default true). */
  readonly allowHalfOpen: boolean
  readonly keepAlive: boolean
  readonly keepAliveInitialDelay: number
  readonly noDelay: boolean
  /** TCP_USER_TIMEOUT in milliseconds, undefined until set. */
  readonly userTimeout: number | undefined
  /** SO_SNDBUF as the kernel reports it once connected (Linux doubles what it is asked for); before that, the size asked for, if any. */
  readonly sendBufferSize: number | undefined
  /** SO_RCVBUF, as for `sendBufferSize`. */
  readonly recvBufferSize: number | undefined

  readonly [ipcHandle]: unknown
  [ipcAccept](): void

  connect(
    port: number | string,
    host?: string,
    opts?: TCPSocketConnectOptions,
    onconnect?: () => void
  ): this
  connect(port: number | string, host: string, onconnect: () => void): this
  connect(port: number | string, onconnect: () => void): this
  connect(opts: TCPSocketConnectOptions, onconnect?: () => void): this

  /** Adopt a connected TCP socket by its file descriptor. */
  open(fd: number, opts?: TCPSocketOpenOptions, onconnect?: () => void): this
  open(fd: number, onconnect: () => void): this
  open(opts: TCPSocketOpenOptions & { fd: number }, onconnect?: () => void): this

  setKeepAlive(enable?: boolean, delay?: number, opts?: TCPKeepAliveOptions): this
  setKeepAlive(delay: number, opts?: TCPKeepAliveOptions): this
  setKeepAlive(enable: boolean, opts: TCPKeepAliveOptions): this
  setNoDelay(enable?: boolean): this
  setTimeout(ms: number, ontimeout?: () => void): this
  /** TCP_USER_TIMEOUT in milliseconds; 0 for the system's default. */
  setUserTimeout(ms: number): this
  setSendBufferSize(size: number): this
  setRecvBufferSize(size: number): this

  /** TCP_INFO, or null where the platform has none or the socket is not connected. */
  getInfo(): TCPInfo | null

  ref(): this
  unref(): this

  /** The local endpoint, or `{}` when not connected. */
  address(): TCPSocketAddress | TCPNoAddress

  /** `'buffer'` (a Buffer's encoding in streams) writes a string as UTF-8. */
  write(data: TCPChunk, encoding?: BufferEncoding | 'buffer', cb?: TCPWriteCallback): boolean
  write(data: TCPChunk, cb?: TCPWriteCallback): boolean

  end(cb?: TCPWriteCallback): this
  end(data: TCPChunk, encoding?: BufferEncoding | 'buffer', cb?: TCPWriteCallback): this
  end(data: TCPChunk, cb?: TCPWriteCallback): this

  destroy(err?: Error | null): this
  /** Close with a TCP RST instead of a FIN, discarding unsent data; a connecting socket is reset right after its `'connect'` listeners, one neither connecting nor connected is destroyed with `SOCKET_IS_CLOSED`. */
  resetAndDestroy(): this
  /** End our side, and destroy the socket once it has finished. */
  destroySoon(): this

  /** Read strings decoded with `encoding` from now on. Returns the socket. */
  setEncoding(encoding: BufferEncoding): this
  /** `pause()` was called and nothing made the socket flow since. */
  isPaused(): boolean

  [Symbol.asyncDispose](): Promise<void>
}

declare class TCPSocket<M extends TCPSocketEvents = TCPSocketEvents> extends Duplex<M> {
  constructor(opts?: TCPSocketOptions)
}

declare namespace TCPSocket {
  export {
    TCPSocket,
    TCPSocketOptions,
    TCPOnReadOptions,
    TCPSocketSetupOptions,
    TCPSocketConnectOptions,
    TCPSocketOpenOptions,
    TCPSocketEvents,
    TCPSocketAddress,
    TCPNoAddress,
    TCPKeepAliveOptions,
    TCPInfo,
    TCPFamily,
    TCPLookupAddress,
    TCPLookupOptions,
    TCPLookupFunction,
    TCPAbortSignal,
    TCPWriteCallback,
    TCPChunk,
    TCPError,
    ipcHandle,
    ipcAccept
  }
}

export = TCPSocket
