// System errors on their way to the user: the endpoint added to what the
// addon reports, the one error for a connect that failed on every address,
// lookups named as Node.js names them, and the abort and deadline errors.
// Internal: the public error table is TCPError's.

// A connect that failed on every address: one error carrying them all.
exports.connectFailed = function connectFailed(host, port, errors) {
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

// libuv's UV_EAI_NONAME, the errno Node.js gives ENOTFOUND: the same on
// every platform.
const UV_EAI_NONAME = -3008

// getaddrinfo failures, named the way Node.js names them.
exports.lookupFailed = function lookupFailed(err, host) {
  const code =
    !err.code || err.code === 'EAI_NONAME' || err.code === 'EAI_NODATA' ? 'ENOTFOUND' : err.code
  const wrapped = new Error(`getaddrinfo ${code} ${host}`, { cause: err })
  wrapped.code = code
  if (typeof err.errno === 'number') wrapped.errno = err.errno
  else if (code === 'ENOTFOUND') wrapped.errno = UV_EAI_NONAME
  wrapped.syscall = 'getaddrinfo'
  wrapped.hostname = host
  return wrapped
}

// Adds the endpoint to a system error from the addon, as Node.js does:
// "connect ECONNREFUSED 127.0.0.1:1".
exports.withAddress = function withAddress(err, address, port) {
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
// What an AbortSignal destroys a socket, or fails a listen, with.
exports.abortError = function abortError(reason) {
  const err = new Error('The operation was aborted', { cause: reason })
  err.name = 'AbortError'
  err.code = 'ABORT_ERR'
  return err
}

// The connect deadline passed, lookup included.
exports.connectTimeout = function connectTimeout(host, port, ms, errno) {
  const err = new Error(`connect ETIMEDOUT ${host}:${port} (no connection within ${ms} ms)`)
  err.code = 'ETIMEDOUT'
  err.errno = errno
  err.syscall = 'connect'
  err.address = host
  err.port = port
  return err
}
