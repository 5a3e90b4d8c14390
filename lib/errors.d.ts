/** A system error from the addon or a failed lookup: a plain `Error` with Node.js-style fields. */
interface TCPSystemError extends Error {
  /** The libuv error name, such as `'ECONNREFUSED'`; for a lookup, the resolver's code (`'ENOTFOUND'` when it has none). */
  code: string
  /** libuv's negative error number. */
  errno?: number
  syscall?: string
  address?: string
  port?: number
  hostname?: string
}

/** The error of a connect that failed on every address of a host name. */
interface TCPConnectError extends AggregateError {
  code: string
  errno?: number
  syscall: 'connect'
  address: string
  port: number
}

/** The error of an aborted operation, as in Node.js. */
interface TCPAbortError extends Error {
  name: 'AbortError'
  code: 'ABORT_ERR'
  cause?: unknown
}

/** Misuse errors, thrown synchronously: `err.name === 'TCPError'`, `err.message` is `CODE: explanation`. */
declare class TCPError extends Error {
  /** As in the published bare-tcp: the code is `code` when given, else `fn`'s name (a factory below), else `'TCPError'`. */
  constructor(msg: string, fn?: Function | null, code?: string, opts?: ErrorOptions)

  readonly name: 'TCPError'
  readonly code: string

  static SOCKET_ALREADY_CONNECTED(msg?: string): TCPError
  static SOCKET_IS_CLOSED(msg?: string): TCPError
  static SERVER_ALREADY_LISTENING(msg?: string): TCPError
  static SERVER_IS_CLOSED(msg?: string): TCPError
  static INVALID_ARGUMENT(msg?: string): TCPError
  static INVALID_HOST(msg?: string): TCPError
  static INVALID_PORT(msg?: string): TCPError
  static WRITE_AFTER_END(msg?: string): TCPError
  static INVALID_FD(msg?: string): TCPError
}

declare namespace TCPError {
  export { TCPError, TCPSystemError, TCPConnectError, TCPAbortError }
}

export = TCPError
