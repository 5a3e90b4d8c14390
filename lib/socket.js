// Socket: a bare-stream Duplex over one native handle. The stream hooks map
// one to one onto the addon: _read resumes reading, _writev hands a whole
// batch to C, _final shuts down the writable side, _predestroy closes the
// handle so that requests in flight end with ECANCELED, and _destroy waits
// for the close callback.
//
// Connecting is the one piece of policy here: names are resolved in
// JavaScript, and each address is tried on a fresh handle, in order, until
// one connects.

const { Duplex, getStreamError } = require('bare-stream')
const dns = require('bare-dns')
const binding = require('./native')
const args = require('./args')
const ip = require('./ip')
const TCPError = require('./errors')
const {
  state: { CONNECTING, CONNECTED, READING, CLOSING, CLOSED, UNREFED }
} = require('./constants')

const StreamxDuplex = Object.getPrototypeOf(Duplex.prototype)

module.exports = class Socket extends Duplex {
  constructor(opts = {}) {
    opts = args.options(opts, 'Options')

    const readBufferSize = args.readBufferSize(opts.readBufferSize)
    const allowHalfOpen = args.boolean(opts.allowHalfOpen, 'allowHalfOpen', true)
    const eagerOpen = args.boolean(opts.eagerOpen, 'eagerOpen', true)

    super({ eagerOpen })

    this._handle = null
    this._state = 0
    this._readBufferSize = readBufferSize
    this._allowHalfOpen = allowHalfOpen
    this._pauseOnConnect = false
    this._readRequested = false

    this._host = null
    this._port = 0
    this._local = null
    this._remote = null

    this._keepAlive = false
    this._keepAliveInitialDelay = 0
    this._noDelay = false

    this._timeout = undefined
    this._timer = null
    this._idleAtTimeout = -1

    this._counters = [0, 0]
    this._attempts = null

    this._written = 0
    this._flushed = 0
    this._pendingChunks = 0
    this._writeCallbacks = []

    this._pendingOpen = null
    this._pendingWrite = null
    this._pendingFinal = null
    this._pendingDestroy = null
    this._writableEnded = false
  }

  get connecting() {
    return (this._state & CONNECTING) !== 0
  }

  get pending() {
    return (this._state & CONNECTED) === 0 || this._handle === null
  }

  get readyState() {
    if (this._state & CONNECTING) return 'opening'
    if ((this._state & CONNECTED) === 0 || this._handle === null) return 'closed'

    const readable = !this.destroying && !this._readableState.ended
    const writable = !this.destroying && !this._writableEnded

    if (readable && writable) return 'open'
    if (readable) return 'readOnly'
    if (writable) return 'writeOnly'
    return 'closed'
  }

  get timeout() {
    return this._timeout
  }

  get localAddress() {
    return this._localName()?.address
  }

  get localFamily() {
    return this._localName()?.family
  }

  get localPort() {
    return this._localName()?.port
  }

  get remoteAddress() {
    return this._remoteName()?.address
  }

  get remoteFamily() {
    return this._remoteName()?.family
  }

  get remotePort() {
    return this._remoteName()?.port
  }

  get bytesRead() {
    return this._handle ? binding.counters(this._handle)[0] : this._counters[0]
  }

  get bytesWritten() {
    return this._handle ? binding.counters(this._handle)[1] : this._counters[1]
  }

  address() {
    const name = this._localName()
    return name ? { ...name } : {}
  }

  connect(...argv) {
    const { port, host, opts, onconnect } = args.connect(argv)

    if (this.destroying) throw TCPError.SOCKET_IS_CLOSED()
    if (this._state & (CONNECTING | CONNECTED)) throw TCPError.SOCKET_ALREADY_CONNECTED()

    if (opts.keepAlive !== undefined) this.setKeepAlive(opts.keepAlive, opts.keepAliveInitialDelay)
    if (opts.noDelay !== undefined) this.setNoDelay(opts.noDelay)
    if (opts.timeout !== undefined) this.setTimeout(opts.timeout)
    if (onconnect) this.once('connect', onconnect)

    this._state |= CONNECTING
    this._host = host
    this._port = port

    const family = ip.isIP(host)

    if (family !== 0) {
      if (opts.family !== 0 && opts.family !== family) {
        queueMicrotask(() => this.destroy(TCPError.INVALID_HOST(`${host} is not an IPv${opts.family} address`)))
      } else {
        this._attempt([{ address: host, family }], 0, [])
      }
      return this
    }

    const lookup = opts.lookup || dns.lookup

    // A custom lookup may answer synchronously; its answer is still handled
    // after connect() returns, so that 'lookup' listeners added then hear it.
    let sync = true

    const onlookup = (err, addresses, family) => {
      if (sync) queueMicrotask(() => this._onlookup(err, addresses, family, opts.family))
      else this._onlookup(err, addresses, family, opts.family)
    }

    try {
      lookup(host, { family: opts.family, hints: opts.hints, all: true }, onlookup)
    } catch (err) {
      queueMicrotask(() => this.destroy(err))
    }

    sync = false

    return this
  }

  setKeepAlive(enable = false, delay = 0) {
    if (typeof enable === 'number') {
      delay = enable
      enable = false
    }

    this._keepAlive = args.boolean(enable, 'Keep-alive', false)
    this._keepAliveInitialDelay = args.milliseconds(delay, 'Keep-alive initial delay', 0)

    if (this._state & CONNECTED && this._handle) this._applyKeepAlive()

    return this
  }

  setNoDelay(enable = true) {
    this._noDelay = args.boolean(enable, 'No-delay', true)

    if (this._state & CONNECTED && this._handle) binding.nodelay(this._handle, this._noDelay)

    return this
  }

  setTimeout(ms, ontimeout) {
    ms = args.milliseconds(ms, 'Timeout')
    ontimeout = args.callback(ontimeout, 'Timeout listener')

    if (ontimeout) {
      if (ms === 0) this.off('timeout', ontimeout)
      else this.once('timeout', ontimeout)
    }

    this._timeout = ms
    this._idleAtTimeout = -1

    if (this._timer) clearTimeout(this._timer)
    this._timer = null

    if (ms > 0 && !this.destroying) this._armTimer(ms)

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

  write(chunk, encoding, cb) {
    if (typeof encoding === 'function') {
      cb = encoding
      encoding = undefined
    }

    if (typeof chunk === 'string') chunk = Buffer.from(chunk, encoding || 'utf8')
    else if (!ArrayBuffer.isView(chunk)) {
      throw TCPError.INVALID_ARGUMENT('Chunk must be a string, a Buffer or a typed array')
    }

    if (this._writableEnded || this.destroying) {
      const err = this._writableEnded ? TCPError.WRITE_AFTER_END() : TCPError.SOCKET_IS_CLOSED()
      if (cb) queueMicrotask(() => cb(err))
      return false
    }

    const flushed = StreamxDuplex.write.call(this, { chunk, encoding: 'buffer' })

    this._written++
    if (cb) this._writeCallbacks.push({ seq: this._written, cb })

    return flushed
  }

  end(chunk, encoding, cb) {
    if (typeof chunk === 'function') {
      cb = chunk
      chunk = undefined
    } else if (typeof encoding === 'function') {
      cb = encoding
      encoding = undefined
    }

    if (chunk !== undefined && chunk !== null) this.write(chunk, encoding)

    if (cb) {
      if (this.destroying) queueMicrotask(() => cb(TCPError.SOCKET_IS_CLOSED()))
      else this._afterFinish(cb)
    }

    if (!this._writableEnded && !this.destroying) {
      this._writableEnded = true
      StreamxDuplex.end.call(this)
    }

    return this
  }

  // Open is connect: a socket from a server is connected on creation, and a
  // client socket completes its open when an attempt succeeds.
  _open(cb) {
    if (this._state & CONNECTED) return cb(null)
    this._pendingOpen = cb
  }

  // streamx calls _read once and then waits for a push; it may call it again
  // from inside push() when the push drained straight to a 'data' listener.
  // _readRequested remembers such a call so that _onread keeps reading even
  // when push() reported a full buffer.
  _read() {
    this._readRequested = true
    this._startReading()
  }

  _startReading() {
    if (this._state & READING || this._pauseOnConnect || this._handle === null) return
    if ((this._state & CONNECTED) === 0) return

    this._state |= READING

    try {
      binding.resume(this._handle)
    } catch (err) {
      this._state &= ~READING
      this.destroy(this._annotate(err))
    }
  }

  _writev(batch, cb) {
    const chunks = batch.length === 1 ? batch[0].chunk : batch.map(toChunk)

    this._pendingChunks = batch.length

    let done
    try {
      done = binding.writev(this._handle, chunks)
    } catch (err) {
      return this._onwrite(err, cb)
    }

    if (done) this._onwrite(null, cb)
    else this._pendingWrite = cb
  }

  _final(cb) {
    try {
      binding.end(this._handle)
    } catch (err) {
      return this._onend(err, cb)
    }

    this._pendingFinal = cb
  }

  _predestroy() {
    if (this._timer) clearTimeout(this._timer)
    this._timer = null

    this._state &= ~CONNECTING

    this._closeHandle(false)

    if (this._pendingOpen) {
      const cb = this._pendingOpen
      this._pendingOpen = null
      cb(null)
    }
  }

  _destroy(err, cb) {
    this._closeHandle(false)

    if (this._handle === null) {
      this._callWriteCallbacks(Infinity, this._writeError())
      return cb(null)
    }

    this._pendingDestroy = cb
  }

  resume() {
    // A read streamx asked for while paused on connect is still owed.
    if (this._pauseOnConnect) {
      this._pauseOnConnect = false
      this._startReading()
    }

    return super.resume()
  }

  // Called by the server for an accepted connection, with the server's
  // keepAlive, keepAliveInitialDelay, noDelay and pauseOnConnect.
  _attach(handle, opts) {
    this._handle = handle
    this._state |= CONNECTED
    this._pauseOnConnect = opts.pauseOnConnect

    if (opts.keepAlive) this.setKeepAlive(true, opts.keepAliveInitialDelay)
    if (opts.noDelay) this.setNoDelay(true)
  }

  _onlookup(err, addresses, family, wanted) {
    if (this.destroying) return

    if (err) {
      const wrapped = TCPError.LOOKUP_FAILED(err, this._host)
      this.emit('lookup', wrapped, undefined, undefined, this._host)
      return this.destroy(wrapped)
    }

    // A lookup may answer with one address, Node.js style, or with all.
    const list = (Array.isArray(addresses) ? addresses : [{ address: addresses, family }])
      .map((entry) => ({ address: entry.address, family: ip.isIP(entry.address) }))
      .filter((entry) => entry.family !== 0 && (wanted === 0 || entry.family === wanted))

    for (const entry of list) this.emit('lookup', null, entry.address, entry.family, this._host)

    if (this.destroying) return

    if (list.length === 0) {
      const err = TCPError.LOOKUP_FAILED({ code: 'ENOTFOUND' }, this._host)
      return this.destroy(err)
    }

    this._attempt(list, 0, [])
  }

  _attempt(list, i, errors) {
    const { address, family } = list[i]

    this._remote = { address, family: family === 6 ? 'IPv6' : 'IPv4', port: this._port }
    this._attempts = { list, i, errors }

    this.emit('connectionAttempt', address, this._port, family)
    if (this.destroying) return

    try {
      this._handle = binding.init(this, this._readBufferSize)
      if (this._state & UNREFED) binding.unref(this._handle)
      binding.connect(this._handle, address, this._port)
    } catch (err) {
      this._attemptFailed(this._annotate(err))
    }
  }

  _attemptFailed(err) {
    const { list, i, errors } = this._attempts

    errors.push(err)

    // The failed handle closes on its own; its close callback no longer
    // matches this._handle and is ignored.
    if (this._handle) binding.close(this._handle)
    this._handle = null

    this.emit('connectionAttemptFailed', list[i].address, this._port, list[i].family, err)
    if (this.destroying) return

    if (i + 1 < list.length) return this._attempt(list, i + 1, errors)

    this._attempts = null
    this._remote = null
    this._state &= ~CONNECTING

    this.destroy(errors.length === 1 ? errors[0] : TCPError.CONNECT_FAILED(this._host, this._port, errors))
  }

  _onconnect(handle, err) {
    if (handle !== this._handle || this.destroying) return

    if (err) return this._attemptFailed(this._annotate(err))

    this._attempts = null
    this._state = (this._state & ~CONNECTING) | CONNECTED

    try {
      if (this._keepAlive) this._applyKeepAlive()
      if (this._noDelay) binding.nodelay(this._handle, true)
    } catch (err) {
      return this.destroy(this._annotate(err))
    }

    if (this._pendingOpen) {
      const cb = this._pendingOpen
      this._pendingOpen = null
      cb(null)
    }

    this.emit('connect')
  }

  _onread(err, data) {
    if (err) {
      this._state &= ~READING
      this.destroy(this._annotate(err))
      return false
    }

    if (data === null) {
      this._state &= ~READING
      this.push(null)
      if (!this._allowHalfOpen) this.end()
      return false
    }

    this._readRequested = false

    if (this.push(Buffer.from(data)) || this._readRequested) return true

    this._state &= ~READING
    return false
  }

  _onwrite(err, cb = this._pendingWrite) {
    this._pendingWrite = null
    this._flushed += this._pendingChunks
    this._pendingChunks = 0

    if (err) err = this._annotate(err)

    this._callWriteCallbacks(this._flushed, err)

    if (cb) cb(err)
  }

  // Write callbacks run in order once their chunk's batch completed, with
  // its error if it failed; those whose chunk never reached _writev get an
  // error when the socket closes.
  _callWriteCallbacks(flushed, err) {
    const callbacks = this._writeCallbacks
    let i = 0

    while (i < callbacks.length && callbacks[i].seq <= flushed) i++
    if (i === 0) return

    const done = callbacks.splice(0, i)
    for (const { cb } of done) cb(err)
  }

  // ENOTCONN means the peer is already gone. Everything written before the
  // end had already reached the kernel, so, as in Node.js, the writable side
  // still finishes; a reset shows up as a read error of its own.
  _onend(err, cb = this._pendingFinal) {
    this._pendingFinal = null
    if (cb) cb(err && err.code !== 'ENOTCONN' ? this._annotate(err) : null)
  }

  _onclose(handle) {
    if (handle !== this._handle) return

    this._counters = binding.counters(handle)
    this._handle = null
    this._state = (this._state & ~(CLOSING | READING)) | CLOSED

    this._callWriteCallbacks(Infinity, this._writeError())

    const cb = this._pendingDestroy
    this._pendingDestroy = null
    if (cb) cb(null)
  }

  _closeHandle(reset) {
    if (this._handle === null || this._state & CLOSING) return

    this._state |= CLOSING
    binding.close(this._handle, reset)
  }

  _applyKeepAlive() {
    // The addon takes whole seconds; a delay under a second means "soon",
    // not "never".
    const seconds = this._keepAliveInitialDelay > 0 ? Math.max(1, Math.floor(this._keepAliveInitialDelay / 1000)) : 0
    binding.keepalive(this._handle, this._keepAlive, seconds)
  }

  _localName() {
    if (this._local === null && this._handle !== null && this._state & CONNECTED) {
      try {
        this._local = binding.sockname(this._handle)
      } catch {
        return null
      }
    }
    return this._local
  }

  _remoteName() {
    if (this._remote === null && this._handle !== null && this._state & CONNECTED) {
      try {
        this._remote = binding.peername(this._handle)
      } catch {
        return null
      }
    }
    return this._remote
  }

  _annotate(err) {
    const remote = this._remote || (this._state & CONNECTED ? this._remoteName() : null)
    return remote ? TCPError.withAddress(err, remote.address, remote.port) : err
  }

  // An idle timeout that costs nothing per read or write: the addon stamps
  // the loop time of each one, and the timer, when it fires, asks how long
  // the socket has been idle and sleeps again for the rest. After a
  // 'timeout', the next one needs new activity first. Without activity the
  // idle time grows by a whole period between two checks; any activity
  // since the last check leaves it below what that check saw plus half a
  // period, a margin wide enough for the timer and the addon to read their
  // clocks a millisecond apart.
  _armTimer(ms) {
    this._timer = setTimeout(() => this._ontimer(), ms)
    this._timer.unref()
  }

  _ontimer() {
    this._timer = null

    const timeout = this._timeout
    if (!timeout || this.destroying) return

    const connected = this._state & CONNECTED && this._handle !== null
    const idle = connected ? binding.idle(this._handle) : timeout
    const active = this._idleAtTimeout === -1 || idle < this._idleAtTimeout + timeout / 2

    if (idle < timeout) {
      this._idleAtTimeout = -1
      return this._armTimer(timeout - idle)
    }

    this._armTimer(timeout)

    if (active) {
      this._idleAtTimeout = idle
      this.emit('timeout')
    } else {
      this._idleAtTimeout = idle
    }
  }

  _afterFinish(cb) {
    const onfinish = () => {
      this.off('close', onclose)
      cb(null)
    }
    const onclose = () => {
      this.off('finish', onfinish)
      cb(this._writeError())
    }
    this.once('finish', onfinish)
    this.once('close', onclose)
  }

  _writeError() {
    return (
      getStreamError(this) ||
      TCPError.SOCKET_IS_CLOSED('Socket was destroyed before the data was written')
    )
  }
}

function toChunk(data) {
  return data.chunk
}
