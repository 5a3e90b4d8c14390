import TCPSocket, {
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
  TCPChunk
} from './lib/socket'
import TCPServer, {
  TCPServerOptions,
  TCPServerListenOptions,
  TCPServerLookupFunction,
  TCPServerEvents,
  TCPServerDrop
} from './lib/server'
import constants from './lib/constants'
import TCPError, { TCPSystemError, TCPConnectError, TCPAbortError } from './lib/errors'

/** An IP version, as the published bare-tcp (and bare-dns) name it. */
type IPFamily = 4 | 6

/** The published bare-tcp's name for the `'drop'` event's argument. */
type TCPServerDropInfo = TCPServerDrop

export {
  type IPFamily,
  type TCPServerDropInfo,
  type TCPSocket,
  TCPSocket as Socket,
  type TCPServer,
  TCPServer as Server,
  type TCPError,
  type TCPSocketOptions,
  type TCPOnReadOptions,
  type TCPSocketSetupOptions,
  type TCPSocketConnectOptions,
  type TCPSocketOpenOptions,
  type TCPSocketEvents,
  type TCPSocketAddress,
  type TCPNoAddress,
  type TCPKeepAliveOptions,
  type TCPInfo,
  type TCPFamily,
  type TCPLookupAddress,
  type TCPLookupOptions,
  type TCPLookupFunction,
  type TCPAbortSignal,
  type TCPWriteCallback,
  type TCPChunk,
  type TCPServerOptions,
  type TCPServerListenOptions,
  type TCPServerLookupFunction,
  type TCPServerEvents,
  type TCPServerDrop,
  type TCPSystemError,
  type TCPConnectError,
  type TCPAbortError,
  constants,
  TCPError as errors
}

/** Options of `createConnection()`: the socket's own and the connect options. */
type TCPCreateConnectionOptions = TCPSocketOptions & TCPSocketConnectOptions

export { type TCPCreateConnectionOptions }

export function createServer(
  opts?: TCPServerOptions,
  onconnection?: (socket: TCPSocket) => void
): TCPServer

export function createServer(onconnection: (socket: TCPSocket) => void): TCPServer

export function createConnection(
  port: number | string,
  host?: string,
  opts?: TCPCreateConnectionOptions,
  onconnect?: () => void
): TCPSocket

export function createConnection(
  port: number | string,
  host: string,
  onconnect: () => void
): TCPSocket

export function createConnection(port: number | string, onconnect: () => void): TCPSocket

export function createConnection(
  opts: TCPCreateConnectionOptions,
  onconnect?: () => void
): TCPSocket

export { createConnection as connect }

/** Two connected descriptors (a Unix socket pair), for passing sockets to another process with bare-pipe. */
export function socketpair(): [number, number]

export function getDefaultAutoSelectFamily(): boolean
export function setDefaultAutoSelectFamily(value: boolean): void
export function getDefaultAutoSelectFamilyAttemptTimeout(): number
export function setDefaultAutoSelectFamilyAttemptTimeout(value: number): void

/** 4 for an IPv4 address, 6 for an IPv6 address, else 0. */
export function isIP(host: unknown): 0 | 4 | 6

export function isIPv4(host: unknown): boolean

export function isIPv6(host: unknown): boolean
