const Socket = require('./lib/socket')
const Server = require('./lib/server')
const args = require('./lib/args')
const ip = require('./lib/ip')
const binding = require('./lib/native')
const TCPError = require('./lib/errors')

exports.Socket = Socket
exports.Server = Server

exports.constants = require('./lib/constants')
exports.errors = require('./lib/errors')

exports.isIP = function isIP(host) {
  return ip.isIP(asString(host))
}

exports.isIPv4 = function isIPv4(host) {
  return ip.isIPv4(asString(host))
}

exports.isIPv6 = function isIPv6(host) {
  return ip.isIPv6(asString(host))
}

// As in Node.js (and the published bare-tcp), anything but a string is
// judged by its string form: isIP(['::1']) is 6. A value with no string form
// (a null-prototype object, a throwing toString) is no address, where
// Node.js throws: a question should not.
function asString(host) {
  if (typeof host === 'string') return host
  try {
    return String(host)
  } catch {
    return ''
  }
}

// Node.js's defaults for connecting to a host name: try its addresses in
// turn (true) or only the first, and how long one attempt has before the
// next starts.
exports.getDefaultAutoSelectFamily = function getDefaultAutoSelectFamily() {
  return args.autoSelect.family
}

exports.setDefaultAutoSelectFamily = function setDefaultAutoSelectFamily(value) {
  if (typeof value !== 'boolean') {
    throw TCPError.INVALID_ARGUMENT('The default auto select family must be a boolean')
  }
  args.autoSelect.family = value
}

exports.getDefaultAutoSelectFamilyAttemptTimeout =
  function getDefaultAutoSelectFamilyAttemptTimeout() {
    return args.autoSelect.attemptTimeout
  }

exports.setDefaultAutoSelectFamilyAttemptTimeout =
  function setDefaultAutoSelectFamilyAttemptTimeout(value) {
    args.autoSelect.attemptTimeout = args.attemptTimeout(value, 'The default attempt timeout')
  }

// Two connected descriptors (a Unix socket pair), for passing sockets to
// another process with bare-pipe.
exports.socketpair = function socketpair() {
  return binding.socketpair()
}

exports.createServer = function createServer(opts, onconnection) {
  return new Server(opts, onconnection)
}

// createConnection(port[, host[, options]][, onconnect])
// createConnection(options[, onconnect])
// The options also configure the socket itself (readBufferSize,
// allowHalfOpen, eagerOpen, the high-water marks, onread).
exports.createConnection = exports.connect = function createConnection(...argv) {
  let opts = argv[0]

  if (typeof opts !== 'object' || opts === null) {
    opts = typeof argv[1] === 'object' && argv[1] !== null ? argv[1] : argv[2]
  }

  opts = args.options(typeof opts === 'object' ? opts : undefined, 'Options')

  const socket = new Socket({
    readBufferSize: opts.readBufferSize,
    allowHalfOpen: opts.allowHalfOpen,
    eagerOpen: opts.eagerOpen,
    highWaterMark: opts.highWaterMark,
    readableHighWaterMark: opts.readableHighWaterMark,
    writableHighWaterMark: opts.writableHighWaterMark,
    onread: opts.onread
  })

  return socket.connect(...argv)
}
