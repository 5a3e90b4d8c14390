// Misuse errors thrown by the API, one factory per code. System errors are
// created in C with the libuv error name as their code and dressed in
// system-errors.js.

const { describe } = require('./describe')

module.exports = class TCPError extends Error {
  // The published bare-tcp's signature: the code is the name of the factory
  // that made the error, or 'TCPError'.
  constructor(msg, fn, code, opts) {
    if (typeof fn !== 'function') fn = TCPError
    if (code === undefined) code = fn.name

    super(`${code}: ${describe(msg)}`, opts)
    this.code = code

    if (Error.captureStackTrace) Error.captureStackTrace(this, fn)
  }

  get name() {
    return 'TCPError'
  }

  static SOCKET_ALREADY_CONNECTED(msg = 'Socket is already connected or connecting') {
    return new TCPError(msg, TCPError.SOCKET_ALREADY_CONNECTED)
  }

  static SOCKET_IS_CLOSED(msg = 'Socket is closed') {
    return new TCPError(msg, TCPError.SOCKET_IS_CLOSED)
  }

  static SERVER_ALREADY_LISTENING(msg = 'Server is already listening') {
    return new TCPError(msg, TCPError.SERVER_ALREADY_LISTENING)
  }

  static SERVER_IS_CLOSED(msg = 'Server is closed') {
    return new TCPError(msg, TCPError.SERVER_IS_CLOSED)
  }

  static INVALID_ARGUMENT(msg = 'Invalid argument') {
    return new TCPError(msg, TCPError.INVALID_ARGUMENT)
  }

  static INVALID_HOST(msg = 'Host must be a non-empty string') {
    return new TCPError(msg, TCPError.INVALID_HOST)
  }

  static INVALID_PORT(msg = 'Port must be an integer between 0 and 65535') {
    return new TCPError(msg, TCPError.INVALID_PORT)
  }

  static INVALID_FD(msg = 'File descriptor must be an integer between 0 and 2147483647') {
    return new TCPError(msg, TCPError.INVALID_FD)
  }

  static WRITE_AFTER_END(msg = 'Cannot write after end') {
    return new TCPError(msg, TCPError.WRITE_AFTER_END)
  }
}
