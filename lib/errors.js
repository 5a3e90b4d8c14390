// Misuse errors thrown by the API, and the decoration every system error
// gets on its way to the user. System errors themselves are created in C
// with the libuv error name as their code.

module.exports = class TCPError extends Error {
  constructor(msg, code, fn = TCPError, opts) {
    super(`${code}: ${msg}`, opts)
    this.code = code

    if (Error.captureStackTrace) Error.captureStackTrace(this, fn)
  }

  get name() {
    return 'TCPError'
  }

  static SOCKET_ALREADY_CONNECTED(msg = 'Socket is already connected or connecting') {
    return new TCPError(msg, 'SOCKET_ALREADY_CONNECTED', TCPError.SOCKET_ALREADY_CONNECTED)
  }

  static SOCKET_IS_CLOSED(msg = 'Socket is closed') {
    return new TCPError(msg, 'SOCKET_IS_CLOSED', TCPError.SOCKET_IS_CLOSED)
  }

  static SERVER_ALREADY_LISTENING(msg = 'Server is already listening') {
    return new TCPError(msg, 'SERVER_ALREADY_LISTENING', TCPError.SERVER_ALREADY_LISTENING)
  }

  static SERVER_IS_CLOSED(msg = 'Server is closed') {
    return new TCPError(msg, 'SERVER_IS_CLOSED', TCPError.SERVER_IS_CLOSED)
  }

  static INVALID_ARGUMENT(msg) {
    return new TCPError(msg, 'INVALID_ARGUMENT', TCPError.INVALID_ARGUMENT)
  }

  static INVALID_HOST(msg = 'Host must be a non-empty string') {
    return new TCPError(msg, 'INVALID_HOST', TCPError.INVALID_HOST)
  }

  static INVALID_PORT(port) {
    return new TCPError(
      `Port must be an integer between 0 and 65535, got ${describe(port)}`,
      'INVALID_PORT',
      TCPError.INVALID_PORT
    )
  }

  static INVALID_FD(fd) {
    return new TCPError(
      `File descriptor must be an integer between 0 and 2147483647, got ${describe(fd)}`,
      'INVALID_FD',
      TCPError.INVALID_FD
    )
  }

  // What an AbortSignal destroys a socket, or fails a listen, with.
  static ABORT_ERR(reason) {
    const err = new Error('The operation was aborted', { cause: reason })
    err.name = 'AbortError'
    err.code = 'ABORT_ERR'
    return err
  }

  // The connect deadline passed, lookup included.
  static CONNECT_TIMEOUT(host, port, ms, errno) {
    const err = new Error(`connect ETIMEDOUT ${host}:${port} (no connection within ${ms} ms)`)
    err.code = 'ETIMEDOUT'
    err.errno = errno
    err.syscall = 'connect'
    err.address = host
    err.port = port
    return err
  }

  static WRITE_AFTER_END(msg = 'Cannot write after end') {
    return new TCPError(msg, 'WRITE_AFTER_END', TCPError.WRITE_AFTER_END)
  }

  // A connect that failed on every address: one error carrying them all.
  static CONNECT_FAILED(host, port, errors) {
    const err = new AggregateError(
      errors,
      `connect ${errors[0].code} ${host}:${port} (every address failed: ${errors
        .map((e) => e.message)
        .join(', ')})`
    )
    err.code = errors[0].code
    err.errno = errors[0].errno
    err.syscall = 'connect'
    err.address = host
    err.port = port
    return err
  }

  // getaddrinfo failures, named the way Node.js names them.
  static LOOKUP_FAILED(err, host) {
    const code = err.code === 'EAI_NONAME' || err.code === 'EAI_NODATA' ? 'ENOTFOUND' : err.code
    const wrapped = new Error(`getaddrinfo ${code} ${host}`, { cause: err })
    wrapped.code = code || 'ENOTFOUND'
    wrapped.syscall = 'getaddrinfo'
    wrapped.hostname = host
    return wrapped
  }

  // Adds the endpoint to a system error from the addon, as Node.js does:
  // "connect ECONNREFUSED 127.0.0.1:1".
  static withAddress(err, address, port) {
    if (address === undefined || address === null || err.address !== undefined) return err

    const header = `${err.name}: ${err.message}`

    err.address = address

    if (port !== undefined && port !== null) {
      err.port = port
      err.message += ` ${address.includes(':') ? `[${address}]` : address}:${port}`
    } else {
      err.message += ` ${address}`
    }

    // The stack starts with the message as it was when the error was made.
    if (typeof err.stack === 'string' && err.stack.startsWith(header)) {
      err.stack = `${err.name}: ${err.message}` + err.stack.slice(header.length)
    }

    return err
  }
}

function describe(value) {
  if (typeof value === 'string') return `'${value.length > 32 ? value.slice(0, 32) + '…' : value}'`
  if (typeof value === 'symbol') return value.toString()
  if (typeof value === 'function') return 'a function'
  if (value !== null && typeof value === 'object')
    return Array.isArray(value) ? 'an array' : 'an object'
  return String(value)
}
