// System errors on their way to the user: the endpoint added to what the
// addon reports, the one error for a connect that failed on every address,
// lookups named as Node.js names them, and the abort and deadline errors.
// Internal: the public error table is TCPError's.

const { errnos } = require('./native')

const MESSAGE_ATTEMPTS = 4

// A connect that failed on every address: one error carrying them all.
// Its message names the first few; `errors` has every one.
exports.connectFailed = function connectFailed(host, port, errors) {
  const named = errors.slice(0, MESSAGE_ATTEMPTS).map((e) => e.message)
  if (errors.length > MESSAGE_ATTEMPTS) named.push(`${errors.length - MESSAGE_ATTEMPTS} more`)
  const err = new AggregateError(
    errors,
    `connect ${errors[0].code} ${host}:${port} (every address failed: ${named.join(', ')})`
  )
  err.code = errors[0].code
  err.errno = errors[0].errno
  err.syscall = 'connect'
  err.address = host
  err.port = port
  return err
}

// libuv's error numbers by name, for errors made here.
function errnoOf(code) {
  return Object.hasOwn(errnos, code) ? errnos[code] : undefined
}

// getaddrinfo failures, named the way Node.js names them: a code that is not
// a string (a custom lookup's own error) says nothing, so not found.
exports.lookupFailed = function lookupFailed(err, host) {
  const code =
    typeof err.code !== 'string' ||
    err.code === '' ||
    err.code === 'EAI_NONAME' ||
    err.code === 'EAI_NODATA'
      ? 'ENOTFOUND'
      : err.code
  const wrapped = new Error(`getaddrinfo ${code} ${host}`, { cause: err })
  wrapped.code = code
  if (typeof err.errno === 'number') wrapped.errno = err.errno
  // Node.js gives ENOTFOUND the errno of EAI_NONAME.
  else wrapped.errno = errnoOf(code === 'ENOTFOUND' ? 'EAI_NONAME' : code)
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
exports.connectTimeout = function connectTimeout(host, port, ms) {
  const err = new Error(`connect ETIMEDOUT ${host}:${port} (no connection within ${ms} ms)`)
  err.code = 'ETIMEDOUT'
  err.errno = errnoOf('ETIMEDOUT')
  err.syscall = 'connect'
  err.address = host
  err.port = port
  return err
}
