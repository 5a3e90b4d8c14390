// Server: an EventEmitter over one listening handle. Each connection the
// addon announces becomes a Socket at once, configured with the server's
// options, and stays in server.connections until it closes; 'close' waits
// for the listening handle and for every connection.

const EventEmitter = require('bare-events')
const dns = require('bare-dns')
const binding = require('./native')
const args = require('./args')
const ip = require('./ip')
const TCPError = require('./errors')
const Socket = require('./socket')
const {
  state: { BINDING, BOUND, CLOSING, UNREFED }
} = require('./constants')

module.exports = class Server extends EventEmitter {
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
    this._address = null

    this._readBufferSize = args.readBufferSize(opts.readBufferSize)
    this._allowHalfOpen = args.boolean(opts.allowHalfOpen, 'allowHalfOpen', true)
    this._keepAlive = args.boolean(opts.keepAlive, 'Keep-alive', false)
    this._keepAliveInitialDelay = args.milliseconds(
      opts.keepAliveInitialDelay,
      'Keep-alive initial delay',
      0
    )
    this._noDelay = args.boolean(opts.noDelay, 'No-delay', false)
    this._pauseOnConnect = args.boolean(opts.pauseOnConnect, 'pauseOnConnect', false)

    this.connections = new Set()

    if (onconnection) this.on('connection', onconnection)
  }

  get listening() {
    return (this._state & BOUND) !== 0
  }

  get closing() {
    return (this._state & CLOSING) !== 0
  }

  address() {
    if ((this._state & BOUND) === 0) return null
    if (this._address === null) this._address = binding.sockname(this._handle)
    return { ...this._address }
  }

  listen(...argv) {
    const { port, host, backlog, ipv6Only, lookup, family, onlistening } = args.listen(argv)

    if (this._state & CLOSING) throw TCPError.SERVER_IS_CLOSED()
    if (this._state & (BINDING | BOUND)) throw TCPError.SERVER_ALREADY_LISTENING()

    if (onlistening) this.once('listening', onlistening)

    this._state |= BINDING

    if (ip.isIP(host) !== 0) {
      this._bind(host, port, backlog, ipv6Only)
      return this
    }

    const resolve = lookup || dns.lookup

    // As for sockets, a synchronous answer is handled after listen() returns.
    let sync = true

    const onlookup = (err, address, family) => {
      if (sync) return queueMicrotask(() => onlookup(err, address, family))
      if (err) err = TCPError.LOOKUP_FAILED(err, host)
      this.emit('lookup', err, address, family, host)
      this._onlookup(err, address, port, backlog, ipv6Only)
    }

    try {
      resolve(host, { family }, onlookup)
    } catch (err) {
      queueMicrotask(() => this._onlookup(err))
    }

    sync = false

    return this
  }

  close(onclose) {
    onclose = args.callback(onclose, 'Close listener')

    if ((this._state & (BINDING | BOUND)) === 0) {
      if (onclose) queueMicrotask(() => onclose(TCPError.SERVER_IS_CLOSED('Server is not listening')))
      return this
    }

    if (onclose) this.once('close', onclose)

    this._state = (this._state & ~BOUND) | CLOSING

    if (this._handle) binding.close(this._handle)
    else this._closeIfDone()

    return this
  }

  ref() {
    this._state &= ~UNREFED
    if (this._handle) binding.ref(this._handle)
    return this
  }

  unref() {
    this._state |= UNREFED
    if (this._handle) binding.unref(this._handle)
    return this
  }

  _onlookup(err, address, port, backlog, ipv6Only) {
    if (this._state & CLOSING) return this._closeIfDone()

    if (err) {
      this._state &= ~BINDING
      return this.emit('error', err)
    }

    this._bind(address, port, backlog, ipv6Only)
  }

  _bind(address, port, backlog, ipv6Only) {
    let handle = null

    try {
      handle = binding.init(this, this._readBufferSize)
      binding.listen(handle, address, port, backlog, ipv6Only)
    } catch (err) {
      if (handle) binding.close(handle)
      this._state &= ~BINDING
      queueMicrotask(() => this.emit('error', TCPError.withAddress(err, address, port)))
      return
    }

    this._handle = handle
    this._address = null
    this._state = (this._state & ~BINDING) | BOUND

    if (this._state & UNREFED) binding.unref(handle)

    queueMicrotask(() => {
      if (this._state & BOUND) this.emit('listening')
    })
  }

  _onconnection(err) {
    if (err) return this.emit('error', err)

    const socket = new Socket({
      readBufferSize: this._readBufferSize,
      allowHalfOpen: this._allowHalfOpen
    })

    try {
      socket._attach(binding.accept(this._handle, socket, this._readBufferSize), {
        keepAlive: this._keepAlive,
        keepAliveInitialDelay: this._keepAliveInitialDelay,
        noDelay: this._noDelay,
        pauseOnConnect: this._pauseOnConnect
      })
    } catch (err) {
      socket.destroy()
      return this.emit('error', err)
    }

    socket._server = this
    this.connections.add(socket)
    socket.on('close', () => this._onsocketclose(socket))

    this.emit('connection', socket)
  }

  _onsocketclose(socket) {
    this.connections.delete(socket)
    if (this._state & CLOSING) this._closeIfDone()
  }

  _onclose(handle) {
    if (handle !== this._handle) return

    this._handle = null
    this._closeIfDone()
  }

  _closeIfDone() {
    if (this._handle !== null || this.connections.size > 0) return

    this._state &= ~(CLOSING | BINDING)
    this.emit('close')
  }
}
