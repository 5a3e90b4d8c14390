import EventEmitter, { EventMap } from 'bare-events'
import TCPSocket, {
  TCPSocketAddress,
  TCPSocketSetupOptions,
  TCPFamily,
  TCPLookupAddress,
  TCPAbortSignal
} from './socket'

/**
 * Resolves the host to listen on, called as `lookup(host, { family, hints }, cb)`; `cb` takes an address
 * and its family, Node.js style, or a list whose first entry is used.
 */
type TCPServerLookupFunction = (
  hostname: string,
  opts: { family: 0 | 4 | 6; hints?: number },
  cb: (err: Error | null, address: TCPLookupAddress[] | string | null, family?: number) => void
) => void

/** The socket options (keepAlive, noDelay, timeout, ...) apply to every accepted connection. */
interface TCPServerOptions extends TCPSocketSetupOptions {
  /** As for sockets. Default 65536. */
  readBufferSize?: number
  /** As for sockets. Default true. */
  allowHalfOpen?: boolean
  /** Both high-water marks of every accepted socket, in bytes; wins over the two below. */
  highWaterMark?: number
  /** The readable high-water mark of every accepted socket, in bytes. */
  readableHighWaterMark?: number
  /** The writable high-water mark of every accepted socket, in bytes. */
  writableHighWaterMark?: number
  /** Do not read from a new connection until the program reads (`resume()`, `pipe()`, `read()`, a `'readable'` listener). */
  pauseOnConnect?: boolean
  /** Connections past this many are closed at once, with a `'drop'` event; `Infinity` (the default) or 0 for no limit. */
  maxConnections?: number
}

interface TCPServerListenOptions {
  /** Default 0: a free port chosen by the system. */
  port?: number | string
  /** Default `'localhost'`. */
  host?: string
  /** Default 511. */
  backlog?: number
  /** For an IPv6 wildcard host, do not accept IPv4 too. */
  ipv6Only?: boolean
  /** SO_REUSEPORT: let several sockets, in this process or others, listen on the same port. */
  reusePort?: boolean
  /** Aborting it closes the server. */
  signal?: TCPAbortSignal | null
  lookup?: TCPServerLookupFunction
  /** getaddrinfo hints, passed to `lookup`. */
  hints?: number | null
  family?: 0 | 4 | 6 | 'IPv4' | 'IPv6'
}

/** A connection closed because of `maxConnections`; an endpoint the system could not tell is undefined. */
interface TCPServerDrop {
  localAddress: string | undefined
  localPort: number | undefined
  localFamily: TCPFamily | undefined
  remoteAddress: string | undefined
  remotePort: number | undefined
  remoteFamily: TCPFamily | undefined
}

interface TCPServerEvents extends EventMap {
  listening: []
  connection: [socket: TCPSocket]
  lookup: [err: Error | null, address: string | undefined, family: number | undefined, host: string]
  drop: [data: TCPServerDrop]
  error: [err: Error]
  close: []
}

interface TCPServer<M extends TCPServerEvents = TCPServerEvents>
  extends EventEmitter<M>, AsyncDisposable {
  /** True from a successful bind until `close()`. */
  readonly listening: boolean
  /** True from `close()` until `'close'`. */
  readonly closing: boolean
  /** The accepted sockets that have not closed yet. */
  readonly connections: Set<TCPSocket>
  /** Connections past this many are closed at once, with a `'drop'` event; `Infinity` (the default) or 0 for no limit. */
  maxConnections: number

  listen(
    port?: number | string,
    host?: string,
    backlog?: number,
    opts?: TCPServerListenOptions,
    onlistening?: () => void
  ): this
  listen(port: number | string, host: string, backlog: number, onlistening: () => void): this
  listen(port: number | string, host: string, onlistening: () => void): this
  /** A number in the host's place is the backlog, as Node.js reads it. */
  listen(port: number | string, backlog: number, onlistening?: () => void): this
  listen(port: number | string, onlistening: () => void): this
  listen(opts: TCPServerListenOptions, onlistening?: () => void): this
  listen(onlistening: () => void): this

  /** `{ address, family, port }` while listening, else null. */
  address(): TCPSocketAddress | null

  close(onclose?: (err?: Error) => void): this

  /** Calls back with the number of open connections. */
  getConnections(cb: (err: Error | null, count: number) => void): this

  ref(): this
  unref(): this

  [Symbol.asyncDispose](): Promise<void>
}

declare class TCPServer<M extends TCPServerEvents = TCPServerEvents> extends EventEmitter<M> {
  constructor(opts?: TCPServerOptions, onconnection?: (socket: TCPSocket) => void)
  constructor(onconnection: (socket: TCPSocket) => void)
}

declare namespace TCPServer {
  export {
    TCPServer,
    TCPServerOptions,
    TCPServerListenOptions,
    TCPServerLookupFunction,
    TCPServerEvents,
    TCPServerDrop
  }
}

export = TCPServer
