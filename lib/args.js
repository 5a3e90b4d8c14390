// Argument normalisation for the whole API, in one place. Every accepted
// form is listed above the function that takes it; anything else throws a
// TCPError with a code.

const TCPError = require('./errors')
const constants = require('./constants')

// port: an integer 0 to 65535, or a string of decimal digits naming one
// (ports arrive as strings from URLs).
exports.port = function port(value) {
  let number = value

  if (typeof value === 'string' && /^[0-9]{1,5}$/.test(value)) number = Number(value)

  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > 65535) {
    throw TCPError.INVALID_PORT(value)
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

  return value
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

exports.boolean = function boolean(value, what, fallback) {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw TCPError.INVALID_ARGUMENT(`${what} must be a boolean`)
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
      `Read buffer size must be an integer between 1 and 2147483647, got ${String(value)}`
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

// Connect options shared by socket.connect() and tcp.createConnection():
//   lookup, hints, family, keepAlive, keepAliveInitialDelay, noDelay, timeout
exports.connectOptions = function connectOptions(opts) {
  return {
    lookup: exports.callback(opts.lookup, 'Lookup'),
    hints: opts.hints === undefined || opts.hints === null ? 0 : integer(opts.hints, 'Hints'),
    family: exports.family(opts.family),
    keepAlive: exports.boolean(opts.keepAlive, 'Keep-alive', undefined),
    keepAliveInitialDelay: exports.milliseconds(
      opts.keepAliveInitialDelay,
      'Keep-alive initial delay',
      0
    ),
    noDelay: exports.boolean(opts.noDelay, 'No-delay', undefined),
    timeout:
      opts.timeout === null ? undefined : exports.milliseconds(opts.timeout, 'Timeout', undefined)
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

  return {
    port: exports.port(port),
    host: exports.host(host === undefined || host === null ? 'localhost' : host),
    opts: exports.connectOptions(opts),
    onconnect: exports.callback(onconnect, 'Connect listener')
  }
}

// listen() accepts:
//   ([port[, host[, backlog[, options]]]][, onlistening])
//   (options[, onlistening])   options.port, .host, .backlog, .ipv6Only, .lookup
// port defaults to 0 (any free port), host to 'localhost', backlog to 511.
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
    if (typeof rest[rest.length - 1] === 'function') onlistening = rest.pop()
    else onlistening = undefined
    ;[port, host, backlog, opts] = rest
    if (typeof port === 'function') port = undefined
  }

  opts = exports.options(opts, 'Options')

  return {
    port: exports.port(port === undefined || port === null ? 0 : port),
    host: exports.host(host === undefined || host === null ? 'localhost' : host),
    backlog:
      backlog === undefined || backlog === null
        ? constants.defaults.BACKLOG
        : integer(backlog, 'Backlog'),
    ipv6Only: exports.boolean(opts.ipv6Only, 'ipv6Only', false),
    lookup: exports.callback(opts.lookup, 'Lookup'),
    family: exports.family(opts.family),
    onlistening: exports.callback(onlistening, 'Listening listener')
  }
}

function integer(value, what) {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw TCPError.INVALID_ARGUMENT(`${what} must be a non-negative integer`)
  }
  return value
}
