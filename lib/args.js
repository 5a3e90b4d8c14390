// Argument normalisation for the whole API, in one place. Every accepted
// form is listed above the function that takes it; anything else throws a
// TCPError with a code.

const TCPError = require('./errors')
const constants = require('./constants')
const ip = require('./ip')
const { quote } = require('./describe')

// port: an integer 0 to 65535, or a string of decimal digits naming one
// (ports arrive as strings from URLs).
exports.port = function port(value) {
  let number = value

  if (typeof value === 'string' && /^[0-9]+$/.test(value)) number = Number(value)

  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > 65535) {
    throw TCPError.INVALID_PORT(`Port must be an integer between 0 and 65535, got ${quote(value)}`)
  }

  return number
}

// host: a non-empty string no longer than a DNS name (253 characters) or an
// IPv6 literal with its zone id.
exports.host = function host(value) {
  if (typeof value !== 'string' || value.length === 0) {
    throw TCPError.INVALID_HOST(`Host must be a non-empty string, got ${typeof value}`)
  }

  if (value.length > 253) throw TCPError.INVALID_HOST('Host is longer than 253 characters')

  if (value.length > constants.address.MAX_LENGTH && ip.isIP(value) !== 0) {
    throw TCPError.INVALID_HOST(
      `An IP address is at most ${constants.address.MAX_LENGTH} characters long`
    )
  }

  return value
}

// A local address must be of the family asked for, and an IP literal host
// of the local address's: no lookup could change that later. For a listen()
// the literal must be of the family asked for too; a connect() uses an IP
// literal as it is, whatever the family option says (it filters what a
// lookup answers), as Node.js and the published bare-tcp do.
function sameFamily(host, family, localAddress, literalOfAnyFamily) {
  if (family === 0 && localAddress === null) return

  const literal = ip.isIP(host)
  const local = localAddress === null ? 0 : ip.isIP(localAddress)

  if (!literalOfAnyFamily && literal !== 0 && family !== 0 && literal !== family) {
    throw TCPError.INVALID_HOST(`${host} is not an IPv${family} address`)
  }
  if (local !== 0 && family !== 0 && local !== family) {
    throw TCPError.INVALID_HOST(`Local address ${localAddress} is not an IPv${family} address`)
  }
  if (literal !== 0 && local !== 0 && literal !== local) {
    throw TCPError.INVALID_HOST(`${host} and local address ${localAddress} differ in family`)
  }
}

exports.options = function options(value, what) {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object') throw TCPError.INVALID_ARGUMENT(`${what} must be an object`)
  return value
}

exports.callback = function callback(value, what) {
  if (value === undefined || value === null) return null
  if (typeof value !== 'function') throw TCPError.INVALID_ARGUMENT(`${what} must be a function`)
  return value
}

// A duration in milliseconds: a finite number >= 0.
exports.milliseconds = function milliseconds(value, what, fallback) {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw TCPError.INVALID_ARGUMENT(`${what} must be a finite number of milliseconds >= 0`)
  }
  return value
}

exports.readBufferSize = function readBufferSize(value = constants.defaults.READ_BUFFER_SIZE) {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 0x7fffffff) {
    throw TCPError.INVALID_ARGUMENT(
      `Read buffer size must be an integer between 1 and 2147483647, got ${quote(value)}`
    )
  }
  return value
}

// onread: { buffer, callback } as in Node.js, where buffer is a Uint8Array
// (a Buffer) of at least one byte or a function returning one, called when
// the socket starts reading.
exports.onread = function onread(value) {
  if (value === undefined || value === null) return null
  if (typeof value !== 'object') {
    throw TCPError.INVALID_ARGUMENT('onread must be an object with a buffer and a callback')
  }

  const { buffer, callback } = value
  if (typeof callback !== 'function') {
    throw TCPError.INVALID_ARGUMENT('onread.callback must be a function')
  }
  if (typeof buffer !== 'function') exports.readBuffer(buffer, 'onread.buffer')

  return { buffer, callback, length: 0 }
}

exports.readBuffer = function readBuffer(value, what) {
  if (!(value instanceof Uint8Array) || value.byteLength === 0) {
    throw TCPError.INVALID_ARGUMENT(
      `${what} must be a Buffer or Uint8Array of at least one byte, got ${quote(value)}`
    )
  }
  return value
}

// A socket's high-water mark for one side, read as Node.js reads it:
// `highWaterMark` when given (it sets both sides), else the side's own
// option, else the default.
exports.highWaterMark = function highWaterMark(opts, key, fallback) {
  const value = opts.highWaterMark ?? opts[key]
  if (value === undefined || value === null) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    const what =
      opts.highWaterMark !== undefined && opts.highWaterMark !== null ? 'highWaterMark' : key
    throw TCPError.INVALID_ARGUMENT(
      `${what} must be an integer between 0 and 2147483647, got ${quote(value)}`
    )
  }
  return value
}

exports.family = function family(value) {
  if (value === undefined || value === null || value === 0) return 0
  if (value === 4 || value === 'IPv4') return 4
  if (value === 6 || value === 'IPv6') return 6
  throw TCPError.INVALID_ARGUMENT('Family must be 0, 4 or 6')
}

// An AbortSignal, or anything shaped like one: `aborted`, `reason` and
// addEventListener/removeEventListener.
exports.signal = function signal(value) {
  if (value === undefined || value === null) return null

  if (
    typeof value !== 'object' ||
    typeof value.aborted !== 'boolean' ||
    typeof value.addEventListener !== 'function' ||
    typeof value.removeEventListener !== 'function'
  ) {
    throw TCPError.INVALID_ARGUMENT('Signal must be an AbortSignal')
  }

  return value
}

// A file descriptor: an integer from 0 to 2^31-1.
exports.fd = function fd(value) {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw TCPError.INVALID_FD(
      `File descriptor must be an integer between 0 and 2147483647, got ${quote(value)}`
    )
  }
  return value
}

exports.optionalInteger = function optionalInteger(value, what, min = 0) {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 0x7fffffff) {
    throw TCPError.INVALID_ARGUMENT(`${what} must be an integer from ${min} to 2147483647`)
  }
  return value
}

// Switches in option objects are read for truth, as Node.js and the
// published bare-tcp do: bare-http1's agent passes keepAlive: 1000.
exports.flag = function flag(value) {
  return value === undefined ? undefined : !!value
}

// Whether any of the options that tune a connected socket (those
// socketOptions() reads) is given: most sockets (every one a server
// accepts) have none, and need not pay for reading them. Named reads: a
// loop over a list of names made each read a megamorphic keyed load, the
// engine's costliest kind, and showed in the connection rate.
exports.hasSocketOptions = function hasSocketOptions(opts) {
  return (
    opts.keepAlive !== undefined ||
    opts.keepAliveInitialDelay !== undefined ||
    opts.keepAliveInterval !== undefined ||
    opts.keepAliveCount !== undefined ||
    opts.noDelay !== undefined ||
    opts.timeout !== undefined ||
    opts.userTimeout !== undefined ||
    opts.sendBufferSize !== undefined ||
    opts.recvBufferSize !== undefined
  )
}

exports.socketOptions = function socketOptions(opts) {
  return {
    keepAlive: exports.flag(opts.keepAlive),
    keepAliveInitialDelay: exports.milliseconds(
      opts.keepAliveInitialDelay,
      'Keep-alive initial delay',
      undefined
    ),
    keepAliveInterval: exports.milliseconds(opts.keepAliveInterval, 'Keep-alive interval', 0),
    keepAliveCount: exports.optionalInteger(opts.keepAliveCount, 'Keep-alive count') || 0,
    noDelay: exports.flag(opts.noDelay),
    timeout:
      opts.timeout === null ? undefined : exports.milliseconds(opts.timeout, 'Timeout', undefined),
    userTimeout: exports.optionalInteger(opts.userTimeout, 'User timeout'),
    sendBufferSize: exports.optionalInteger(opts.sendBufferSize, 'Send buffer size', 1),
    recvBufferSize: exports.optionalInteger(opts.recvBufferSize, 'Receive buffer size', 1)
  }
}

// What Node.js's net.setDefaultAutoSelectFamily() and
// net.setDefaultAutoSelectFamilyAttemptTimeout() set, for every connect after.
exports.autoSelect = { family: true, attemptTimeout: 250 }

// Node.js's attempt timeouts: an integer of milliseconds, at least 10 (less
// is taken as 10).
exports.attemptTimeout = function attemptTimeout(value, what) {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 0x7fffffff) {
    throw TCPError.INVALID_ARGUMENT(
      `${what} must be an integer of milliseconds from 1 to 2147483647, got ${quote(value)}`
    )
  }
  return Math.max(value, 10)
}

// Connect options shared by socket.connect() and tcp.createConnection(): the
// socket options above, and
//   lookup, hints, family, localAddress, localPort, signal,
//   connectAttemptDelay (default 250), connectTimeout,
//   autoSelectFamily, autoSelectFamilyAttemptTimeout (Node.js's names)
exports.connectOptions = function connectOptions(opts) {
  // As in Node.js, '' is no local address.
  const localAddress =
    opts.localAddress === undefined || opts.localAddress === null || opts.localAddress === ''
      ? null
      : opts.localAddress

  if (localAddress !== null && !ip.isAddress(localAddress)) {
    throw TCPError.INVALID_HOST('Local address must be an IP address')
  }

  return {
    ...exports.socketOptions(opts),
    lookup: exports.callback(opts.lookup, 'Lookup'),
    hints:
      opts.hints === undefined || opts.hints === null ? undefined : integer(opts.hints, 'Hints'),
    family: exports.family(opts.family),
    localAddress,
    localPort:
      opts.localPort === undefined || opts.localPort === null ? 0 : exports.port(opts.localPort),
    signal: exports.signal(opts.signal),
    // null is "not given" for these two, as in Node.js.
    autoSelectFamily: exports.flag(opts.autoSelectFamily ?? undefined) ?? exports.autoSelect.family,
    connectAttemptDelay: exports.milliseconds(
      opts.connectAttemptDelay,
      'Connect attempt delay',
      opts.autoSelectFamilyAttemptTimeout === undefined ||
        opts.autoSelectFamilyAttemptTimeout === null
        ? exports.autoSelect.attemptTimeout
        : exports.attemptTimeout(
            opts.autoSelectFamilyAttemptTimeout,
            'Auto select family attempt timeout'
          )
    ),
    connectTimeout: exports.milliseconds(opts.connectTimeout, 'Connect timeout', 0)
  }
}

// connect() accepts:
//   (port[, host[, options]][, onconnect])
//   (options[, onconnect])     options.port and options.host
// host defaults to 'localhost'.
exports.connect = function connect(argv) {
  let [port, host, opts, onconnect] = argv

  if (typeof port === 'object' && port !== null) {
    opts = port
    onconnect = host
    port = opts.port
    host = opts.host
  } else {
    if (typeof host === 'function') {
      onconnect = host
      host = undefined
      opts = undefined
    } else if (typeof opts === 'function') {
      onconnect = opts
      opts = undefined
    }
  }

  opts = exports.options(opts, 'Options')

  const result = {
    port: exports.port(port),
    host: exports.host(host === undefined || host === null || host === '' ? 'localhost' : host),
    opts: exports.connectOptions(opts),
    onconnect: exports.callback(onconnect, 'Connect listener')
  }

  sameFamily(result.host, result.opts.family, result.opts.localAddress, true)

  return result
}

// listen() accepts:
//   ([port[, host[, backlog[, options]]]][, onlistening])
//   (options[, onlistening])   options.port, .host, .backlog
// and in either options: ipv6Only, reusePort, lookup, family, signal.
// port defaults to 0 (any free port), host to 'localhost', backlog to 511
// (a backlog of 0 too, as in Node.js).
exports.listen = function listen(argv) {
  let [port, host, backlog, opts, onlistening] = argv

  if (typeof port === 'object' && port !== null) {
    opts = port
    onlistening = host
    port = opts.port
    host = opts.host
    backlog = opts.backlog
  } else {
    const rest = argv.slice()
    // A fifth argument can only be the listener, function or not.
    if (typeof rest[rest.length - 1] === 'function' || rest.length > 4) onlistening = rest.pop()
    else onlistening = undefined
    ;[port, host, backlog, opts] = rest
    if (typeof port === 'function') port = undefined
    // listen(port, backlog[, cb]), as Node.js reads a number there.
    if (typeof host === 'number') {
      backlog = host
      host = undefined
    }
  }

  opts = exports.options(opts, 'Options')

  // Unix socket paths are bare-pipe's; bare-net sends them there.
  if (opts.path !== undefined && opts.path !== null && opts.path !== '') {
    throw TCPError.INVALID_ARGUMENT('bare-tcp listens on TCP ports only, not on a path')
  }

  const result = {
    port: exports.port(port === undefined || port === null ? 0 : port),
    host: exports.host(host === undefined || host === null || host === '' ? 'localhost' : host),
    backlog:
      backlog === undefined || backlog === null
        ? constants.defaults.BACKLOG
        : integer(backlog, 'Backlog') || constants.defaults.BACKLOG,
    ipv6Only: exports.flag(opts.ipv6Only) ?? false,
    reusePort: exports.flag(opts.reusePort) ?? false,
    signal: exports.signal(opts.signal),
    lookup: exports.callback(opts.lookup, 'Lookup'),
    hints:
      opts.hints === undefined || opts.hints === null ? undefined : integer(opts.hints, 'Hints'),
    family: exports.family(opts.family),
    onlistening: exports.callback(onlistening, 'Listening listener')
  }

  sameFamily(result.host, result.family, null, false)

  return result
}

function integer(value, what) {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw TCPError.INVALID_ARGUMENT(`${what} must be a non-negative integer`)
  }
  return value
}
