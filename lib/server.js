// Server: an EventEmitter over one listening handle. Each connection the
// addon announces becomes a Socket at once, configured with the server's
// options, and stays in server.connections until it closes; 'close' waits
// for the listening handle and for every connection. Connections past
// maxConnections are accepted only to be closed, and reported as 'drop'.

const EventEmitter = require('bare-events')
const dns = require('bare-dns')
const binding = require('./native')
const args = require('./args')
const ip = require('./ip')
const TCPError = require('./errors')
const SystemErrors = require('./system-errors')
const Socket = require('./socket')
const {
  state: { BINDING, BOUND, CLOSING, UNREFED }
} = require('./constants')

// The receiver of a dropped connection's callbacks: it only ever closes.
const dropped = { _onclose() {} }

module.exports = class TCPServer extends EventEmitter {
  constructor(opts = {}, onconnection) {
    if (typeof opts === 'function') {
      onconnection = opts
      opts = {}
    }

    opts = args.options(opts, 'Options')
    onconnection = args.callback(onconnection, 'Connection listener')

    super()

    this._handle = null
    this._state = 0
    this._attempts = 0
    this._address = null
    this._signal = null
    this._onabort = null

    this._readBufferSize = args.readBufferSize(opts.readBufferSize)
    this._allowHalfOpen = args.flag(opts.allowHalfOpen) ?? true
    this._readableHighWaterMark = args.highWaterMark(opts, 'readableHighWaterMark', null)
    this._writableHighWaterMark = args.highWaterMark(opts, 'writableHighWaterMark', null)
    this._socketOptions = {
      ...args.socketOptions(opts),
      pauseOnConnect: args.flag(opts.pauseOnConnect) ?? false
    }
    this._maxConnections = maxConnections(opts.maxConnections)

    this.connections = new Set()

    if (onconnection) this.on('connection', onconnection)
  }

  get listening() {
    return (this._state & BOUND) !== 0
  }

  get closing() {
    return (this._state & CLOSING) !== 0
  }

  // 0 means no limit.
  get maxConnections() {
    return this._maxConnections
  }

  set maxConnections(value) {
    this._maxConnections = maxConnections(value)
  }

  address() {
    if ((this._state & BOUND) === 0) return null
    if (this._address === null) this._address = binding.sockname(this._handle)
    return { ...this._address }
  }

  listen(...argv) {
    const { port, host, backlog, ipv6Only, reusePort, lookup, hints, family, signal, onlistening } =
      args.listen(argv)

    if (this._state & CLOSING) throw TCPError.SERVER_IS_CLOSED()
    if (this._state & (BINDING | BOUND)) throw TCPError.SERVER_ALREADY_LISTENING()

    if (onlistening) this.once('listening', onlistening)

    this._state |= BINDING

    // Tells this listen() from a later one: an answer to a lookup that
    // close() or an abort abandoned must not bind the next listen().
    const attempt = ++this._attempts

    const flags = { port, backlog, ipv6Only, reusePort, family }

    if (signal !== null && this._watchSignal(signal, attempt)) return this

    if (ip.isIP(host) !== 0) {
      this._bind(host, flags)
      return this
    }

    const resolve = lookup || dns.lookup

    // As for sockets, a synchronous answer is handled after listen() returns,
    // and only the first answer counts.
    let sync = true
    let answered = false

    const onlookup = (err, address, family) => {
      if (answered) return
      answered = true

      if (sync)
        return queueMicrotask(() => this._onlookup(attempt, host, flags, err, address, family))
      this._onlookup(attempt, host, flags, err, address, family)
    }

    try {
      resolve(host, { family, hints }, onlookup)
    } catch (err) {
      onlookup(err)
    }

    sync = false

    return this
  }

  close(onclose) {
    onclose = args.callback(onclose, 'Close listener')

    if ((this._state & (BINDING | BOUND)) === 0) {
      const err = TCPError.SERVER_IS_CLOSED('Server is not listening')

      // While closing, the close under way emits 'close'. Otherwise, as in
      // Node.js and the published bare-tcp, 'close' is emitted anyway, after
      // the callback, even when the server listens again meanwhile.
      if (this._state & CLOSING) {
        if (onclose) queueMicrotask(() => onclose(err))
        return this
      }

      queueMicrotask(() => {
        if (onclose) onclose(err)
        this.emit('close')
      })
      return this
    }

    if (onclose) this.once('close', onclose)

    this._unwatchSignal()
    this._state = (this._state & ~(BOUND | BINDING)) | CLOSING

    if (this._handle) {
      if (!binding.closeHandle(this._handle, this, false)) this._onclose(this._handle)
    } else {
      queueMicrotask(() => this._closeIfDone())
    }

    return this
  }

  getConnections(cb) {
    if (typeof cb !== 'function') throw TCPError.INVALID_ARGUMENT('Callback must be a function')
    queueMicrotask(() => cb(null, this.connections.size))
    return this
  }

  ref() {
    this._state &= ~UNREFED
    if (this._handle && (this._state & CLOSING) === 0) binding.ref(this._handle, true)
    return this
  }

  unref() {
    this._state |= UNREFED
    if (this._handle && (this._state & CLOSING) === 0) binding.ref(this._handle, false)
    return this
  }

  async [Symbol.asyncDispose]() {
    if ((this._state & (BINDING | BOUND | CLOSING)) === 0) return

    const closed = new Promise((resolve) => this.once('close', resolve))
    if ((this._state & CLOSING) === 0) this.close()
    await closed
  }

  _onlookup(attempt, host, flags, err, address, family) {
    if (attempt !== this._attempts || (this._state & BINDING) === 0) return

    // A lookup may answer Node.js style or with a list; anything but an IP
    // literal the addon takes is no address at all, and an answer that
    // throws as it is read (a getter, a proxy) is a failed lookup.
    if (!err) {
      try {
        if (Array.isArray(address)) {
          const first = address[0]
          family = first?.family
          address = first?.address
        }
      } catch (thrown) {
        err = thrown
      }
    }
    if (!err && !ip.isAddress(address)) err = { code: 'ENOTFOUND' }
    // An address of another family than asked for: as getaddrinfo says for
    // such a name, not found.
    else if (!err && flags.family !== 0 && ip.isIP(address) !== flags.family) {
      err = { code: 'ENOTFOUND', message: `${host} has no IPv${flags.family} address` }
    }

    if (err) {
      err = SystemErrors.lookupFailed(err, host)
      this.emit('lookup', err, undefined, undefined, host)
      this._state &= ~BINDING
      this._unwatchSignal()
      return this.emit('error', err)
    }

    // A 'lookup' listener may have closed the server, or listened again.
    this.emit('lookup', null, address, family, host)
    if (attempt !== this._attempts || (this._state & BINDING) === 0) return

    this._bind(address, flags)
  }

  _bind(address, { port, backlog, ipv6Only, reusePort }) {
    let handle = null

    try {
      handle = binding.init(this, this._readBufferSize)
      binding.listen(handle, address, port, backlog, ipv6Only, reusePort)
    } catch (err) {
      if (handle) binding.close(handle)
      this._unwatchSignal()
      this._failLater(SystemErrors.withAddress(err, address, port))
      return
    }

    this._handle = handle
    this._address = null
    this._state = (this._state & ~BINDING) | BOUND

    if (this._state & UNREFED) binding.ref(handle, false)

    queueMicrotask(() => {
      if (this._state & BOUND) this.emit('listening')
    })
  }

  _onconnection(err) {
    if (err) return this.emit('error', err)

    if (this._maxConnections > 0 && this.connections.size >= this._maxConnections) {
      return this._drop()
    }

    const socket = new Socket({
      readBufferSize: this._readBufferSize,
      allowHalfOpen: this._allowHalfOpen,
      readableHighWaterMark: this._readableHighWaterMark,
      writableHighWaterMark: this._writableHighWaterMark
    })

    try {
      socket._attach(
        binding.accept(this._handle, socket, this._readBufferSize),
        this._socketOptions
      )
    } catch (err) {
      socket.destroy()
      return this.emit('error', err)
    }

    socket._server = this
    this.connections.add(socket)

    this.emit('connection', socket)
  }

  // The connection has to leave the kernel's queue to be refused, so it is
  // accepted, described, and closed at once.
  _drop() {
    let handle

    try {
      handle = binding.accept(this._handle, dropped, 1)
    } catch (err) {
      return this.emit('error', err)
    }

    let local = null
    let remote = null

    try {
      local = binding.sockname(handle)
      remote = binding.peername(handle)
    } catch {}

    binding.close(handle)

    this.emit('drop', {
      localAddress: local?.address,
      localPort: local?.port,
      localFamily: local?.family,
      remoteAddress: remote?.address,
      remotePort: remote?.port,
      remoteFamily: remote?.family
    })
  }

  // A socket about to emit 'close' is no longer counted by its listeners,
  // as in the published bare-tcp and Node.js; the server's own 'close' waits
  // until they have run (_onsocketclose).
  _onsocketclosing(socket) {
    this.connections.delete(socket)
  }

  _onsocketclose() {
    if (this._state & CLOSING) this._closeIfDone()
  }

  _onclose(handle) {
    if (handle !== this._handle) return

    this._handle = null
    this._closeIfDone()
  }

  _closeIfDone() {
    if ((this._state & CLOSING) === 0 || this._handle !== null || this.connections.size > 0) return

    this._state &= ~CLOSING
    this.emit('close')
  }

  // Aborting closes the server, as close() does, whether it listens yet or
  // not, as in Node.js: 'close', no error. Returns true when the signal had
  // already fired: the listen goes no further.
  _watchSignal(signal, attempt) {
    if (signal.aborted) {
      queueMicrotask(() => {
        if (this._attempts === attempt && this._state & BINDING) this.close()
      })
      return true
    }

    this._signal = signal
    this._onabort = () => {
      this._unwatchSignal()
      if (this._state & (BINDING | BOUND)) this.close()
    }
    signal.addEventListener('abort', this._onabort)

    return false
  }

  // A listen that failed during the call reports it after the call, and
  // stays the server's listen until then: another listen() meanwhile would
  // succeed and then hear this one's error. A close() meanwhile abandons it.
  _failLater(err) {
    queueMicrotask(() => {
      if ((this._state & BINDING) === 0) return
      this._state &= ~BINDING
      this.emit('error', err)
    })
  }

  _unwatchSignal() {
    if (this._signal === null) return
    this._signal.removeEventListener('abort', this._onabort)
    this._signal = null
    this._onabort = null
  }
}

// No limit is Infinity, as the published bare-tcp says; 0 is no limit too,
// as in Node.js.
function maxConnections(value) {
  if (value === undefined || value === null) return Infinity
  if (typeof value !== 'number' || !(Number.isInteger(value) || value === Infinity) || value < 0) {
    throw TCPError.INVALID_ARGUMENT('maxConnections must be a non-negative integer or Infinity')
  }
  return value
}
