// Socket: a bare-stream Duplex over one native handle. The stream hooks map
// one to one onto the addon: _read resumes reading, _writev hands a whole
// batch to C, _final shuts down the writable side, _predestroy closes the
// handle so that requests in flight end with ECANCELED, and _destroy waits
// for the close callback.
//
// A socket becomes connected in one of four ways: connect() (names resolved
// here, addresses raced by a Connector), open() on a connected descriptor,
// being accepted by a Server, or receiving a descriptor over bare-pipe IPC.
// All four end in _onconnected(), which applies the socket options.

const { Duplex, Readable, getStreamError } = require('bare-stream')
const dns = require('bare-dns')
const binding = require('./native')
const args = require('./args')
const ip = require('./ip')
const TCPError = require('./errors')
const SystemErrors = require('./system-errors')
const Connector = require('./connector')
const lazyQueue = require('./queue')
const { quote } = require('./describe')
const {
  state: { CONNECTING, CONNECTED, READING, CLOSING, CLOSED, UNREFED },
  defaults: { READABLE_HIGH_WATER_MARK, WRITABLE_HIGH_WATER_MARK }
} = require('./constants')

// A socket's own flags, kept in _state beside the shared bits above rather
// than one field each.
const ALLOW_HALF_OPEN = 0x100
const PAUSE_ON_CONNECT = 0x200
// streamx asked for a read while a push was in progress.
const READ_REQUESTED = 0x400
// Close with a reset (resetAndDestroy).
const RESET = 0x800
// A write that skipped the stream's queue is still in flight in C.
const DIRECT_WRITE = 0x1000
// write() returned false on that path: 'drain' is owed.
const NEED_DRAIN = 0x2000
const WRITABLE_ENDED = 0x4000
// cork() was called: writes wait for uncork() or end().
const USER_CORKED = 0x8000
// The writable side shut down: end() has nothing left to wait for.
const WRITE_FINISHED = 0x10000
// A write through the stream's queue returned false: the stream owes its
// own 'drain' (emitted only if someone listens). It counts only what waits
// in its queue, not the batch in flight, so it would say true again before
// then; the bit is cleared once its queue has drained.
const STREAM_DRAIN = 0x20000
// Until a 'drain' owed on either path comes, every write() returns false.
const DRAIN_OWED = NEED_DRAIN | STREAM_DRAIN
// pause() was called and resume() not since, as Node.js's isPaused() tells.
// A socket with the onread option then reads nothing: the stream's own
// paused state cannot say so, since no data ever reaches it, and it starts
// out paused.
const PAUSED = 0x40000
// A connect completing: reads wait until its 'connect' listeners have run.
const CONNECT_HOLD = 0x80000
// read() was called while connecting.
const READ_ASKED = 0x100000
// Writes made before the connection are leaving, ahead of 'connect'.
const OPENING = 0x200000

// A socket's answers to a read (src/read.c): stop reading, read on, or
// any number in between, the bytes it has room for.
const READ_FULL = 0
const READ_ON = 0xffffffff

// What the idle timer saw at its last 'timeout' (see _ontimer): nothing yet,
// the connect, or the loop time of the last activity (never negative).
const NOT_TIMED_OUT = -1
const TIMED_OUT_CONNECTING = -2

const StreamxDuplex = Object.getPrototypeOf(Duplex.prototype)

const ipcHandle = Symbol.for('bare.ipc.handle')
const ipcAccept = Symbol.for('bare.ipc.accept')

// Named as in the published bare-tcp, which error stacks and inspection show.
module.exports = class TCPSocket extends Duplex {
  constructor(opts = {}) {
    opts = args.options(opts, 'Options')

    const readBufferSize = args.readBufferSize(opts.readBufferSize)
    const into = args.onread(opts.onread)
    const allowHalfOpen = args.flag(opts.allowHalfOpen) ?? true
    const eagerOpen = args.flag(opts.eagerOpen) ?? true
    const signal = args.signal(opts.signal)
    // A readable mark of 0 is taken as 1 (a paused socket holds one read):
    // at 0 the stream would stop asking for reads, and a pipe would stall.
    const readableHighWaterMark =
      args.highWaterMark(opts, 'readableHighWaterMark', READABLE_HIGH_WATER_MARK) || 1
    const writableHighWaterMark = args.highWaterMark(
      opts,
      'writableHighWaterMark',
      WRITABLE_HIGH_WATER_MARK
    )

    super({ eagerOpen, highWaterMark: readableHighWaterMark })

    // streamx listens for 'newListener' on every stream, to learn of 'data',
    // 'readable' and 'drain' listeners; emit() calls that function instead,
    // which spares every socket a listener list of its own (~250 bytes).
    if (streamNewListener === null) streamNewListener = this.listeners('newListener')[0] || null
    if (streamNewListener !== null) this.removeListener('newListener', streamNewListener)
    // bare-events keeps listeners by name in a null-prototype dictionary;
    // an object of a constructor of its own stays in fast mode, a third of
    // its size, until a name is deleted.
    if (Reflect.ownKeys(this._events).length === 0) this._events = new ListenerTable()

    this._writableState.highWaterMark = writableHighWaterMark

    // streamx's read and destroy hooks, set here rather than defined as
    // methods: bare-stream wraps such a method in a function bound to each
    // stream to give it Node.js's signature (~150 bytes a socket).
    this._read = streamRead
    this._destroy = this._destroyHandle

    // The length of a chunk as written: a buffer detached after write()
    // would otherwise shrink to 0 inside the queue and upset its accounting.
    this._writableState.byteLength = chunkLength
    this._readableState.byteLength = queuedLength

    this._readableState.queue = lazyQueue(this._readableState.queue)
    this._writableState.queue = lazyQueue(this._writableState.queue)

    // Each field costs every open socket its slot (and more in resident
    // memory as the heap grows), so flags share _state, and what most sockets
    // never use (socket options, an idle timeout, an abort signal) lives in
    // objects made on first use.
    this._handle = null
    this._state = allowHalfOpen ? ALLOW_HALF_OPEN : 0
    this._readBufferSize = readBufferSize
    // The onread option: every read goes into its buffer and to its
    // callback, never through the stream.
    this._into = into
    // The marks as set, for the getters (the stream zeroes its own at the
    // end and on destroy); null for the defaults, which most sockets keep.
    this._marks =
      readableHighWaterMark === READABLE_HIGH_WATER_MARK &&
      writableHighWaterMark === WRITABLE_HIGH_WATER_MARK
        ? null
        : { readable: readableHighWaterMark, writable: writableHighWaterMark }

    this._host = null
    this._port = 0
    this._local = null
    this._remote = null
    this._connector = null
    this._connectTimer = null
    this._abort = null
    this._sockopts = null
    this._idle = null
    // The handle once closed: its counters and peer stay readable.
    this._closed = null

    this._written = 0
    this._flushed = 0
    this._pendingChunks = 0
    this._writeCallbacks = null
    this._corked = null
    this._corkedBytes = 0
    this._corkedSeq = 0
    this._directSeq = 0
    this._sentTurn = -1
    this._waitingBatch = null
    this._server = null

    this._pendingOpen = null
    this._pendingWrite = null
    this._pendingFinal = null
    this._pendingDestroy = null

    // As in Node.js, the socket options may come with the socket (applied
    // once it connects) and so may an abort signal. The sockets a server
    // accepts and the options createConnection() passes on have neither.
    if (args.hasSocketOptions(opts)) this._configure(args.socketOptions(opts))
    if (signal !== null) this._watchSignal(signal)
  }

  get readableHighWaterMark() {
    return this._marks === null ? READABLE_HIGH_WATER_MARK : this._marks.readable
  }

  get writableHighWaterMark() {
    return this._marks === null ? WRITABLE_HIGH_WATER_MARK : this._marks.writable
  }

  get connecting() {
    return (this._state & CONNECTING) !== 0
  }

  // Node.js's stream state, which streamx does not have: closed once
  // 'close' was emitted, and the error that destroyed the socket.
  get closed() {
    return this.destroyed
  }

  get errored() {
    return getStreamError(this)
  }

  // As in Node.js, a socket being destroyed is pending again at once.
  get pending() {
    return !this._connected() || this.destroying
  }

  get readyState() {
    if (this._state & CONNECTING) return 'opening'
    if ((this._state & CONNECTED) === 0 || this._handle === null) return 'closed'

    const readable = !this.destroying && !this._readableState.ended
    const writable = !this.destroying && (this._state & WRITABLE_ENDED) === 0

    if (readable && writable) return 'open'
    if (readable) return 'readOnly'
    if (writable) return 'writeOnly'
    return 'closed'
  }

  get timeout() {
    return this._idle === null ? undefined : this._idle.timeout
  }

  get allowHalfOpen() {
    return (this._state & ALLOW_HALF_OPEN) !== 0
  }

  get keepAlive() {
    return (this._sockopts || DEFAULT_SOCKOPTS).keepAlive
  }

  get keepAliveInitialDelay() {
    return (this._sockopts || DEFAULT_SOCKOPTS).keepAliveInitialDelay
  }

  get noDelay() {
    return (this._sockopts || DEFAULT_SOCKOPTS).noDelay
  }

  get userTimeout() {
    return (this._sockopts || DEFAULT_SOCKOPTS).userTimeout
  }

  // The kernel's sizes once connected (Linux doubles what it is asked for),
  // before that the size asked for.
  get sendBufferSize() {
    return this._connected()
      ? binding.sockopts(this._handle).sendBufferSize
      : (this._sockopts || DEFAULT_SOCKOPTS).sendBufferSize
  }

  get recvBufferSize() {
    return this._connected()
      ? binding.sockopts(this._handle).recvBufferSize
      : (this._sockopts || DEFAULT_SOCKOPTS).recvBufferSize
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
    return this._currentCounters()[0]
  }

  get bytesWritten() {
    return this._currentCounters()[1]
  }

  // Node.js's stream state, read off ours.
  get readableEnded() {
    return this._readableState.ended
  }

  get readableLength() {
    return this._readableState.buffered
  }

  // null until the program reads or pauses, as in Node.js; false while
  // paused (a 'data' listener added after pause() starts the flow again
  // here) and for a socket accepted with pauseOnConnect until it is resumed.
  get readableFlowing() {
    if (this.isPaused()) return false
    if (!Readable.isPaused(this)) return true
    // A 'readable' consumer reads without flowing, as in Node.js.
    return this.listenerCount('readable') > 0 ? false : null
  }

  get writableEnded() {
    return (this._state & WRITABLE_ENDED) !== 0
  }

  get writableFinished() {
    return (this._state & WRITE_FINISHED) !== 0
  }

  get writableNeedDrain() {
    return (this._state & DRAIN_OWED) !== 0
  }

  // cork() is a switch here, so the count is 0 or 1.
  get writableCorked() {
    return this._state & USER_CORKED ? 1 : 0
  }

  // Paused by pause() and not flowing since, or accepted with
  // pauseOnConnect and not resumed yet, as in Node.js.
  isPaused() {
    if (this._state & PAUSE_ON_CONNECT) return true
    return (this._state & PAUSED) !== 0 && (this._into !== null || Readable.isPaused(this))
  }

  // The server that accepted the socket, as in Node.js; null for a socket
  // that connected. A plain property there, so a program may set it; what it
  // sets does not change which server hears of the close.
  get server() {
    return this._server
  }

  set server(value) {
    Object.defineProperty(this, 'server', {
      value,
      writable: true,
      enumerable: true,
      configurable: true
    })
  }

  // 'address:port' of every address tried for a host name, as in Node.js;
  // undefined for a socket that connected to an IP address or did not try.
  get autoSelectFamilyAttemptedAddresses() {
    return attemptedAddresses.get(this)
  }

  // Node.js's deprecated name for writableLength.
  get bufferSize() {
    return this.writableLength
  }

  // streamx's decoder knows neither base64 nor UTF-16LE; a chunk of those
  // is decoded here, its incomplete tail kept for the next one.
  setEncoding(encoding) {
    // As in Node.js, null is the default, UTF-8.
    if (encoding === null) encoding = undefined

    const decode = typeof encoding === 'string' ? chunkDecoder(encoding.toLowerCase()) : null
    if (decode !== null) {
      const map = this._readableState.map
      const mapped = (data) => {
        const text = decode(data)
        return text === null || map === null ? text : map(text)
      }
      // What the decoder holds at the end goes out before it (_onread).
      mapped.flush = decode.flush
      this._readableState.map = mapped
      return this
    }

    try {
      return super.setEncoding(encoding)
    } catch {
      throw TCPError.INVALID_ARGUMENT(`Unknown encoding ${quote(encoding)}`)
    }
  }

  // Ends our side, and destroys the socket once it has finished, as in
  // Node.js.
  destroySoon() {
    if ((this._state & WRITABLE_ENDED) === 0) this.end()
    if (this._state & WRITE_FINISHED) this.destroy()
    else this.once('finish', () => this.destroy())
    return this
  }

  // Bytes written by the user that have not reached the kernel yet.
  get writableLength() {
    // Nothing left will reach the kernel, as in Node.js.
    if (this.destroying) return 0

    const waiting = this._waitingBatch === null ? 0 : batchLength(this._waitingBatch.batch)
    return this._writableState.buffered + this._corkedBytes + waiting + this._currentCounters()[2]
  }

  // bare-pipe IPC: the handle to send, or to receive a descriptor into. A
  // connecting socket has neither: its attempts own their handles, and one
  // made here would be left behind by the connection.
  get [ipcHandle]() {
    if (this._state & CONNECTING) {
      throw TCPError.SOCKET_ALREADY_CONNECTED('A connecting socket has no handle to pass yet')
    }

    if (this._handle === null && !this.destroying) {
      this._handle = binding.init(this, this._readBufferSize)
      if (this._state & UNREFED) binding.ref(this._handle, false)
    }

    return this._handle === null ? null : binding.ipcHandle(this._handle)
  }

  // 'connect' follows after accept() returns, so that listeners added then
  // hear it, as with open().
  [ipcAccept]() {
    this._checkUnconnected()

    try {
      binding.adopt(this._handle)
    } catch (err) {
      return this.destroy(err)
    }

    this._state |= CONNECTING
    queueMicrotask(() => {
      if (!this.destroying) this._onconnected(this._handle, false)
    })
  }

  address() {
    const name = this._localName()
    return name ? { ...name } : {}
  }

  connect(...argv) {
    const { port, host, opts, onconnect } = args.connect(argv)

    this._checkUnconnected()
    this._releaseIpcHandle()
    this._configure(opts)

    if (onconnect) this.once('connect', onconnect)

    this._state |= CONNECTING
    this._host = host
    this._port = port

    if (opts.signal) this._watchSignal(opts.signal)
    if (opts.connectTimeout > 0) this._startConnectTimer(opts.connectTimeout)

    const family = ip.isIP(host)

    // As in Node.js, the attempt starts after connect() returns, so that
    // 'connectionAttempt' listeners added then hear it.
    if (family !== 0) {
      // (args.connect() refused a localAddress of another family already.)
      queueMicrotask(() => {
        if (!this.destroying) this._race([{ address: host, family }], opts, false)
      })
      return this
    }

    const lookup = opts.lookup || dns.lookup

    // A custom lookup may answer synchronously; its answer is still handled
    // after connect() returns, so that 'lookup' listeners added then hear it.
    // Only its first answer counts.
    let sync = true
    let answered = false

    const onlookup = (err, addresses, family) => {
      if (answered) return
      answered = true

      if (sync) queueMicrotask(() => this._onlookup(err, addresses, family, opts))
      else this._onlookup(err, addresses, family, opts)
    }

    try {
      lookup(host, { family: opts.family, hints: opts.hints, all: true }, onlookup)
    } catch (err) {
      onlookup(err)
    }

    sync = false

    return this
  }

  // open(fd[, options][, onconnect]), open(options[, onconnect]) with
  // options.fd: adopt a descriptor of a TCP socket that is already
  // connected. 'connect' follows, asynchronously.
  open(fd, opts, onconnect) {
    if (typeof fd === 'object' && fd !== null) {
      onconnect = opts
      opts = fd
      fd = opts.fd
    } else if (typeof opts === 'function') {
      onconnect = opts
      opts = undefined
    }

    fd = args.fd(fd)
    opts = args.socketOptions(args.options(opts, 'Options'))
    onconnect = args.callback(onconnect, 'Connect listener')

    this._checkUnconnected()
    this._releaseIpcHandle()
    this._configure(opts)

    const handle = binding.init(this, this._readBufferSize)

    try {
      binding.open(handle, fd)
    } catch (err) {
      binding.close(handle)
      throw err
    }

    if (this._state & UNREFED) binding.ref(handle, false)
    if (onconnect) this.once('connect', onconnect)

    this._state |= CONNECTING
    queueMicrotask(() => {
      if (this.destroying) return binding.close(handle)
      this._onconnected(handle, false)
    })

    return this
  }

  // setKeepAlive(delay[, opts]) turns keep-alive on with that delay, as in
  // the published bare-tcp; a delay of 0 turns it off, as Node.js reads it.
  // The switch is read for its truth, as in Node.js and the published
  // bare-tcp; the options may follow it directly.
  setKeepAlive(enable, delay, opts) {
    if (typeof enable === 'number') {
      opts = delay
      delay = enable
      enable = delay > 0
    } else if (typeof delay === 'object' && delay !== null && opts === undefined) {
      opts = delay
      delay = undefined
    }

    opts = args.options(opts ?? {}, 'Keep-alive options')

    enable = !!enable
    delay = args.milliseconds(delay, 'Keep-alive initial delay', 0)

    const sockopts = this._ownSockopts()
    const interval = args.milliseconds(
      opts.interval,
      'Keep-alive interval',
      sockopts.keepAliveInterval
    )
    const count = args.optionalInteger(opts.count, 'Keep-alive count') ?? sockopts.keepAliveCount

    // Applied before it is kept: a setting the kernel refuses is not
    // applied again, and does not fail, on the next call or the connect.
    if (this._connected()) this._applyKeepAlive(enable, delay, interval, count)

    sockopts.keepAlive = enable
    sockopts.keepAliveInitialDelay = delay
    sockopts.keepAliveInterval = interval
    sockopts.keepAliveCount = count

    return this
  }

  setNoDelay(enable = true) {
    enable = !!enable

    if (this._connected()) binding.nodelay(this._handle, enable)
    this._ownSockopts().noDelay = enable

    return this
  }

  // TCP_USER_TIMEOUT: fail the connection when sent data stays
  // unacknowledged for `ms` milliseconds; 0 restores the system default.
  setUserTimeout(ms) {
    ms = args.optionalInteger(ms, 'User timeout')
    if (ms === undefined) throw TCPError.INVALID_ARGUMENT('User timeout is required')

    if (this._connected()) binding.userTimeout(this._handle, ms)
    this._ownSockopts().userTimeout = ms

    return this
  }

  setSendBufferSize(size) {
    size = args.optionalInteger(size, 'Send buffer size', 1)
    if (size === undefined) throw TCPError.INVALID_ARGUMENT('Send buffer size is required')

    if (this._connected()) binding.bufferSizes(this._handle, size, 0)
    this._ownSockopts().sendBufferSize = size

    return this
  }

  setRecvBufferSize(size) {
    size = args.optionalInteger(size, 'Receive buffer size', 1)
    if (size === undefined) throw TCPError.INVALID_ARGUMENT('Receive buffer size is required')

    if (this._connected()) binding.bufferSizes(this._handle, 0, size)
    this._ownSockopts().recvBufferSize = size

    return this
  }

  // Live statistics from the kernel's TCP_INFO; null before connecting,
  // after closing, and where the platform has none.
  getInfo() {
    return this._connected() ? binding.info(this._handle) : null
  }

  setTimeout(ms, ontimeout) {
    // The duration has no default: a missing one throws, as in Node.js.
    ms = args.milliseconds(ms ?? NaN, 'Timeout')
    ontimeout = args.callback(ontimeout, 'Timeout listener')

    if (ontimeout) {
      if (ms === 0) this.off('timeout', ontimeout)
      else this.once('timeout', ontimeout)
    }

    this._stopTimer()
    this._idle = { timeout: ms, timer: null, timedOutAt: NOT_TIMED_OUT }

    if (ms > 0 && !this.destroying) this._armTimer(ms)

    return this
  }

  ref() {
    this._state &= ~UNREFED
    if (this._handle && (this._state & CLOSING) === 0) binding.ref(this._handle, true)
    if (this._connector) this._connector.ref()
    if (this._connectTimer) this._connectTimer.ref()
    return this
  }

  unref() {
    this._state |= UNREFED
    if (this._handle && (this._state & CLOSING) === 0) binding.ref(this._handle, false)
    if (this._connector) this._connector.unref()
    if (this._connectTimer) this._connectTimer.unref()
    return this
  }

  // Returns the socket, as in Node.js. Writes of this turn still corked
  // leave first, as they would have in Node.js, where every write reaches
  // the kernel during the call: the peer gets what the kernel takes before
  // the close. What cork() holds is dropped, as there.
  destroy(err) {
    // Their callbacks come after destroy() returns, as a write's do.
    if (this._corked !== null && !this.destroying) this._flush(true)
    super.destroy(err)
    return this
  }

  // Close with a TCP RST instead of a FIN: the peer sees ECONNRESET.
  // A connecting socket is reset once it has connected, after 'connect', as
  // in Node.js: the peer hears of the reset.
  resetAndDestroy() {
    if ((this._state & (CONNECTING | CONNECTED)) === 0) {
      this.destroy(TCPError.SOCKET_IS_CLOSED('Socket is not connected'))
      return this
    }

    if (this._state & RESET) return this
    this._state |= RESET

    if (this._state & CONNECTING) {
      // A connect that fails takes its listener away with it.
      const reset = () => this.destroy()
      this.once('connect', reset)
      this.once('close', () => this.off('connect', reset))
    } else {
      this.destroy()
    }

    return this
  }

  // streamx ends iteration at 'close', which a half-open socket (the
  // default) does not reach while the loop is still waiting for data, so a
  // loop over a socket whose peer ended would wait for ever. Here iteration
  // ends with the readable side, as in Node.js: after the last chunk, once
  // the peer ended. An error ends it with that error; leaving the loop early
  // (break, return, throw) destroys the socket, as in streamx and Node.js.
  [Symbol.asyncIterator]() {
    const socket = this

    // Iterating is asking to read, as resume() is.
    this._endPauseOnConnect()

    let error = null
    let finished = false
    // Every next() gets its own answer, in order, even when a caller asks
    // again before the last answer came.
    const waiting = []

    const answer = () => {
      const data = socket.read()

      if (data !== null) return { value: data, done: false }
      if (error !== null) return { error }
      if (socket._readableState.ended) return { value: undefined, done: true }
      if (socket.destroyed) return { error: getStreamError(socket) || TCPError.SOCKET_IS_CLOSED() }
      return null
    }

    const settle = () => {
      while (waiting.length > 0) {
        if (finished) {
          waiting.shift().resolve({ value: undefined, done: true })
          continue
        }

        const result = answer()
        if (result === null) return

        const { resolve, reject } = waiting.shift()

        if (result.error) {
          finished = true
          reject(result.error)
        } else {
          if (result.done) finished = true
          resolve(result)
        }
      }
    }

    // Kept for the socket's life, as streamx's iterator does: an error after
    // the loop ended is the iterator's too, not an uncaught exception.
    this.on('error', (err) => {
      error = err
      settle()
    })
    this.on('readable', settle)
    this.on('end', settle)
    this.on('close', settle)

    const leave = (err) => {
      finished = true
      settle()

      if (socket.destroyed) return Promise.resolve({ value: undefined, done: true })

      return new Promise((resolve, reject) => {
        socket.once('close', () => {
          if (err) reject(err)
          else resolve({ value: undefined, done: true })
        })
        socket.destroy(err)
      })
    }

    return {
      [Symbol.asyncIterator]() {
        return this
      },
      next() {
        return new Promise((resolve, reject) => {
          waiting.push({ resolve, reject })
          settle()
        })
      },
      return() {
        return leave(null)
      },
      throw(err) {
        return leave(err)
      }
    }
  }

  async [Symbol.asyncDispose]() {
    if (this.destroyed) return

    const closed = new Promise((resolve) => this.once('close', resolve))
    this.destroy()
    await closed
  }

  write(chunk, encoding, cb) {
    if (typeof encoding === 'function') {
      cb = encoding
      encoding = undefined
    }

    cb = args.callback(cb, 'Write callback')

    if (typeof chunk === 'string') chunk = encode(chunk, encoding)
    else if (!ArrayBuffer.isView(chunk)) {
      throw TCPError.INVALID_ARGUMENT('Chunk must be a string, a Buffer or a typed array')
    }

    const length = byteLengthOf(chunk)
    if (length === -1) {
      throw TCPError.INVALID_ARGUMENT('Chunk is a view of a detached or shrunk buffer')
    }

    if (this._state & WRITABLE_ENDED || this.destroying) {
      if (cb) {
        this._callBackInOrder(
          cb,
          this._state & WRITABLE_ENDED ? TCPError.WRITE_AFTER_END() : TCPError.SOCKET_IS_CLOSED(),
          false
        )
      }
      return false
    }

    // Nothing to send: no queue for it to wait in (the stream's loses count
    // of an empty chunk behind others), only its place among the callbacks.
    if (length === 0) {
      if (cb) this._callBackInOrder(cb, null, false)
      const { buffered, highWaterMark } = this._writableState
      return (this._state & DRAIN_OWED) === 0 && (buffered === 0 || buffered < highWaterMark)
    }

    if (this._canCork()) {
      if (
        this._corked === null &&
        this._sentTurn !== binding.turn.count &&
        (this._state & USER_CORKED) === 0 &&
        // The noDelay getter, read here directly: through the accessor the
        // write path took ~800 more instructions per round trip (callgrind).
        this._sockopts !== null &&
        this._sockopts.noDelay
      ) {
        return this._sendNow(chunk, length, cb)
      }
      return this._cork(chunk, length, cb)
    }

    const flushed = StreamxDuplex.write.call(this, { chunk, encoding: 'buffer', length })

    // The stream emits its own 'drain' for this: one is enough. When it took
    // the write, the bytes still in flight ahead of its queue count too.
    if (!flushed) this._state = (this._state & ~NEED_DRAIN) | STREAM_DRAIN
    else if (this.writableLength >= this._writableState.highWaterMark) this._state |= NEED_DRAIN

    this._written++
    if (cb) this._addWriteCallback(this._written, cb)

    // While the 'drain' of an earlier write is owed, every write says so, as
    // in Node.js.
    return flushed && (this._state & DRAIN_OWED) === 0
  }

  // A write with nothing to send (refused, or empty) is called back after
  // the writes before it, and before end()'s callbacks, which wait at the end
  // of the list; a refused end() after those. Write callbacks are called in
  // order.
  _callBackInOrder(cb, err, isEnd) {
    if (this._writeCallbacks === null) this._writeCallbacks = []
    const callbacks = this._writeCallbacks

    let i = callbacks.length
    if (!isEnd) while (i > 0 && callbacks[i - 1].seq === Infinity) i--

    if (isEnd && i === 0 && !this.destroying) return queueMicrotask(() => cb(err))

    callbacks.splice(i, 0, { seq: isEnd ? Infinity : this._written, cb, err })

    // On a socket being destroyed nothing ahead of it will complete, and the
    // close may already have failed the rest: fail them all now, in order.
    // Otherwise, with nothing ahead left to complete, it is due, unless a
    // write made before it (corked, say) is called back first, which calls
    // it too. An empty write before the connection waits for it
    // (_onconnected), and one made while corked waits for uncork(), as in
    // Node.js.
    if (this.destroying) {
      queueMicrotask(() => this._failWriteCallbacks())
    } else if (!isEnd && err !== null) {
      if (this._written <= this._flushed) this._callDueLater()
    } else if (!isEnd && this._allFlushed() && (this._state & USER_CORKED) === 0) {
      this._callDueLater()
    }
  }

  // Calls back, after the current call, the entries that nothing ahead of
  // them holds any more.
  _callDueLater() {
    queueMicrotask(() => this._callWriteCallbacks(this._flushed, null))
  }

  // As streamx's, a switch rather than a count. After end() there is nothing
  // left to hold.
  cork() {
    if (this._state & WRITABLE_ENDED || this.destroying) return
    this._state |= USER_CORKED
    super.cork()
  }

  // What cork() held leaves now; as for a write, its callbacks and 'drain'
  // come after uncork() returns.
  uncork() {
    if ((this._state & USER_CORKED) === 0) return
    this._state &= ~USER_CORKED
    super.uncork()
    if (this._corked !== null) this._flush(true)
    else if (this._writeCallbacks !== null && this._allFlushed()) this._callDueLater()
  }

  // Connected, with every write made so far flushed: a callback with nothing
  // ahead of it is due.
  _allFlushed() {
    return this._written <= this._flushed && this._connected()
  }

  end(chunk, encoding, cb) {
    if (typeof chunk === 'function') {
      cb = chunk
      chunk = undefined
    } else if (typeof encoding === 'function') {
      cb = encoding
      encoding = undefined
    }

    cb = args.callback(cb, 'End callback')

    if (chunk !== undefined && chunk !== null) {
      // Data after end() or destroy() is refused, and so is the end that
      // carries it.
      if (this._state & WRITABLE_ENDED || this.destroying) {
        if (cb) {
          const err =
            this._state & WRITABLE_ENDED ? TCPError.WRITE_AFTER_END() : TCPError.SOCKET_IS_CLOSED()
          this._callBackInOrder(cb, err, true)
        }
        return this
      }
      this.write(chunk, encoding)
    }

    if (cb) {
      if (this._state & WRITE_FINISHED) queueMicrotask(() => cb(null))
      else if (this.destroying) this._callBackInOrder(cb, TCPError.SOCKET_IS_CLOSED(), true)
      else this._addWriteCallback(Infinity, cb)
    }

    if ((this._state & WRITABLE_ENDED) === 0 && !this.destroying) {
      this._state |= WRITABLE_ENDED

      // What cork() held leaves with the end (_final flushes it), and no
      // 'drain' follows an end.
      if (this._state & USER_CORKED) {
        this._state &= ~USER_CORKED
        super.uncork()
      }

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

  _startReading() {
    if (this._state & (READING | PAUSE_ON_CONNECT | CONNECT_HOLD) || !this._connected()) return
    if (this._state & PAUSED && this._into !== null) return

    this._state |= READING

    try {
      if (this._into !== null && this._into.length === 0) {
        this._giveReadBuffer()
        // The function that made the buffer may have paused or destroyed
        // the socket.
        if ((this._state & READING) === 0 || this.destroying) return
      }
      binding.resume(this._handle)
    } catch (err) {
      this._state &= ~READING
      this.destroy(this._annotate(err))
    }
  }

  // The onread buffer goes to the addon when reading first starts; a
  // function for it is called then, once. Its length, never 0, says it was
  // given.
  _giveReadBuffer() {
    const into = this._into
    if (typeof into.buffer === 'function') {
      into.buffer = args.readBuffer(into.buffer(), 'The buffer from onread.buffer()')
    }
    binding.readInto(this._handle, into.buffer)
    into.length = into.buffer.byteLength
  }

  _writev(batch, cb) {
    // Queued behind a direct write still in flight: wait for it.
    if (this._state & DIRECT_WRITE) {
      this._waitingBatch = { batch, cb }
      return
    }

    const chunks =
      batch.length === 1 ? batch[0].chunk : gather(batch.map(toChunk), batchLength(batch))

    this._pendingChunks = batch.length

    let pending
    try {
      pending = writev(this._handle, chunks)
    } catch (err) {
      return this._afterWritev(err, cb)
    }

    if (pending === undefined) this._afterWritev(null, cb)
    else this._pendingWrite = cb
  }

  // Writes made while nothing waits in the stream queue skip it: they
  // collect here in the order made and leave together at the end of the
  // tick, as one writev that the addon hands to the kernel during the call
  // when it can. A burst of small writes costs one syscall, and a lone write
  // neither the queue nor a second crossing. When the kernel takes only part
  // of a flush, the rest stays in flight in C and later writes queue in the
  // stream behind it, so the order holds.
  _canCork() {
    return (
      (this._state & DIRECT_WRITE) === 0 &&
      this._pendingChunks === 0 &&
      this._writableState.queue.length === 0 &&
      this._connected()
    )
  }

  // With noDelay, the first write of a socket in each turn (one call from
  // the addon and the microtasks after it) leaves at once: the reply to a
  // request is the common case, and it costs neither the array nor the
  // microtask of a corked write. Writes after it in the same turn are
  // corked and leave together, so a burst costs two syscalls: its first
  // write's and the batch's. With Nagle's algorithm on (the default) every
  // write of a turn waits for the batch, as in the published bare-tcp: the
  // kernel holds back a second small segment until the peer acknowledges
  // the first, and a peer that waits for the rest of a message (a response
  // written as its head and then its body) acknowledges only after its
  // delayed-ACK timer, ~40 ms later.
  _sendNow(chunk, length, cb) {
    this._sentTurn = binding.turn.count

    const seq = ++this._written
    if (cb) this._addWriteCallback(seq, cb)

    this._send(chunk, seq, true)

    if ((this._state & DIRECT_WRITE) === 0 || length < this._writableState.highWaterMark)
      return (this._state & DRAIN_OWED) === 0

    this._state |= NEED_DRAIN
    return false
  }

  _cork(chunk, length, cb) {
    const seq = ++this._written
    if (cb) this._addWriteCallback(seq, cb)

    if (this._corked === null) {
      this._corked = [chunk]
      scheduleFlush(this)
    } else {
      this._corked.push(chunk)
    }

    this._corkedBytes += length
    this._corkedSeq = seq

    if (this._corkedBytes < this._writableState.highWaterMark) {
      return (this._state & DRAIN_OWED) === 0
    }

    // Held for uncork(), which flushes and then owes a 'drain'.
    if (this._state & USER_CORKED) {
      this._state |= NEED_DRAIN
      return false
    }

    // A full buffer leaves now: when the kernel takes it all, as it mostly
    // does on a socket that keeps up, the writer may go on at once instead
    // of waiting for 'drain', unless one is still owed.
    this._flush(true)

    if ((this._state & DIRECT_WRITE) === 0 && this._corked === null) {
      return (this._state & DRAIN_OWED) === 0
    }

    this._state |= NEED_DRAIN
    return false
  }

  // `inWrite` when called from write(), whose callbacks must not run before
  // it returns.
  _flush(inWrite = false) {
    const chunks = this._corked
    if (chunks === null || this._state & USER_CORKED) return

    const seq = this._corkedSeq
    const bytes = this._corkedBytes
    this._corked = null
    this._corkedBytes = 0

    // Abandoned: their callbacks hear of it when the socket closes.
    if (this.destroying || !this._connected()) return

    this._send(gather(chunks, bytes), seq, inWrite)
  }

  // Hands chunks up to write number `seq` to the addon, past the stream's
  // queue.
  _send(chunks, seq, inWrite) {
    let pending
    try {
      pending = writev(this._handle, chunks)
    } catch (err) {
      this._flushed = seq
      err = this._annotate(err)
      // Destroyed first: a callback that destroys the socket itself must not
      // take the error's place.
      this.destroy(err)
      this._afterFlush(seq, err, inWrite)
      return
    }

    if (pending > 0) {
      this._state |= DIRECT_WRITE
      this._directSeq = seq
      return
    }

    this._flushed = seq
    this._afterFlush(seq, null, inWrite)

    if ((this._state & NEED_DRAIN) === 0) return
    if (inWrite) drainIfEmptyLater(this)
    else this._drainIfEmpty()
  }

  _afterFlush(seq, err, inWrite) {
    if (this._writeCallbacks === null) return
    if (inWrite) callWriteCallbacksLater(this, seq, err)
    else this._callWriteCallbacks(seq, err)
  }

  _ondirectwrite(err) {
    this._state &= ~DIRECT_WRITE
    const seq = (this._flushed = this._directSeq)

    const waiting = this._waitingBatch

    if (err) {
      this._waitingBatch = null
      err = this._writeFailure(err)
      this._callWriteCallbacks(seq, err)

      // The stream waits for its batch before it can finish destroying.
      if (waiting !== null) {
        this._pendingChunks = waiting.batch.length
        this._afterWritev(err, waiting.cb)
      }

      return this.destroy(err)
    }

    // A write made by one of the callbacks must follow the batch queued
    // behind: counted as pending, that batch keeps it out of the cork. It
    // still counts in writableLength meanwhile.
    if (waiting !== null) this._pendingChunks = waiting.batch.length

    this._callWriteCallbacks(seq, null)

    this._waitingBatch = null
    if (waiting !== null) this._writev(waiting.batch, waiting.cb)

    this._drainIfEmpty()
  }

  // 'drain' for a write() that returned false on the corked path; the stream
  // emits its own for writes that went through its queue.
  _drainIfEmpty() {
    if (
      (this._state & (NEED_DRAIN | DIRECT_WRITE | WRITABLE_ENDED)) === NEED_DRAIN &&
      this._corked === null &&
      this._pendingChunks === 0 &&
      this._writableState.queue.length === 0 &&
      !this.destroying
    ) {
      this._state &= ~NEED_DRAIN
      this.emit('drain')
    }
  }

  _final(cb) {
    // Corked writes go first; the shutdown waits for them in libuv.
    this._flush()

    try {
      binding.end(this._handle)
    } catch (err) {
      return this._onend(err, cb)
    }

    this._pendingFinal = cb
  }

  _predestroy() {
    this._stopConnecting()
    this._stopTimer()
    this._closeHandle()

    if (this._pendingOpen) {
      const cb = this._pendingOpen
      this._pendingOpen = null
      cb(null)
    }
  }

  // Also where a socket ends cleanly, both sides ended: streamx destroys it
  // then without _predestroy, and an armed idle timer would hold the closed
  // socket for the rest of its period.
  _destroyHandle(cb) {
    this._stopConnecting()
    this._stopTimer()
    this._closeHandle()
    this._unwatchSignal()

    if (this._handle === null) {
      this._failWriteCallbacks()
      return cb(null)
    }

    this._pendingDestroy = cb
  }

  // As in Node.js, a socket read through 'readable' does not start flowing:
  // its chunks would go to 'data' and never reach read(). It flows once the
  // last 'readable' listener is gone (_flowAfterReadable).
  resume() {
    this._endPauseOnConnect()
    this._state &= ~PAUSED
    if (this.listenerCount('readable') === 0) super.resume()
    if (this._into !== null) this._startReading()
    return this
  }

  // The addon hears of a pause only with its next read's answer, and until
  // then it would take a whole wake-up's reads (up to 32). With onread it
  // stops at once.
  pause() {
    super.pause()

    const reading = (this._state & READING) !== 0 && this._connected()
    this._state |= PAUSED

    if (this._into !== null) {
      this._state &= ~READING
      if (reading) binding.hold(this._handle, READ_FULL)
    } else if (reading) {
      binding.hold(this._handle, this._readRoom())
    }

    return this
  }

  // As Node.js documents it, a socket that lost its last 'readable' listener
  // flows to its 'data' listeners, even one paused meanwhile.
  _flowAfterReadable() {
    if (
      this.listenerCount('readable') === 0 &&
      this.listenerCount('data') > 0 &&
      !this.destroying
    ) {
      this.resume()
    }
  }

  // As in Node.js, a pipe makes the socket flow: it ends a pause.
  pipe(dest, cb) {
    this._state &= ~PAUSED
    this._endPauseOnConnect()
    return super.pipe(dest, cb)
  }

  // A read() before the connection asks for its data, paused or not, as in
  // Node.js.
  read() {
    if (this._state & CONNECTING) this._state |= READ_ASKED
    this._endPauseOnConnect()
    return super.read()
  }

  // A read streamx asked for while paused on connect is still owed.
  _endPauseOnConnect() {
    if ((this._state & (PAUSE_ON_CONNECT | CONNECT_HOLD)) === 0) return
    this._state &= ~(PAUSE_ON_CONNECT | CONNECT_HOLD)
    this._startReading()
  }

  // Called by the server for an accepted connection, with the server's
  // socket options and pauseOnConnect.
  _attach(handle, opts) {
    this._configure(opts)
    if (opts.pauseOnConnect) this._state |= PAUSE_ON_CONNECT
    this._onconnected(handle, false)
  }

  _checkUnconnected() {
    if (this.destroying) throw TCPError.SOCKET_IS_CLOSED()
    if (this._state & (CONNECTING | CONNECTED)) throw TCPError.SOCKET_ALREADY_CONNECTED()
  }

  // An unconnected socket has a handle only when the IPC getter made one for
  // a transfer that did not come; a connect or open makes its own.
  _releaseIpcHandle() {
    if (this._handle === null) return
    const handle = this._handle
    this._handle = null
    binding.close(handle)
  }

  // Records the socket options; they reach the kernel in _onconnected().
  _configure(opts) {
    if (opts.keepAlive !== undefined) this._ownSockopts().keepAlive = opts.keepAlive
    // Kept for when keep-alive is on: one set before (by new Socket())
    // stays unless this sets another.
    if (opts.keepAliveInitialDelay !== undefined) {
      this._ownSockopts().keepAliveInitialDelay = opts.keepAliveInitialDelay
    }
    if (opts.keepAliveInterval) this._ownSockopts().keepAliveInterval = opts.keepAliveInterval
    if (opts.keepAliveCount) this._ownSockopts().keepAliveCount = opts.keepAliveCount
    if (opts.noDelay !== undefined) this._ownSockopts().noDelay = opts.noDelay
    if (opts.userTimeout !== undefined) this._ownSockopts().userTimeout = opts.userTimeout
    if (opts.sendBufferSize !== undefined) {
      this._ownSockopts().sendBufferSize = opts.sendBufferSize
    }
    if (opts.recvBufferSize !== undefined) {
      this._ownSockopts().recvBufferSize = opts.recvBufferSize
    }
    if (opts.timeout !== undefined) this.setTimeout(opts.timeout)
  }

  _onlookup(err, addresses, family, opts) {
    if (this.destroying) return

    // A lookup may answer with one address, Node.js style, or with all; an
    // answer with no address the addon takes is no answer at all, and one
    // that throws as it is read (a getter, a proxy) is a failed lookup.
    let list = []
    if (!err) {
      try {
        list = lookupAnswer(addresses, family)
      } catch (thrown) {
        err = thrown
      }
    }

    // The family option, or localAddress's family, filters the answer. Only
    // addresses of another family: as getaddrinfo says for such a name, not
    // found.
    const wanted = opts.localAddress !== null ? ip.isIP(opts.localAddress) : opts.family
    const usable = wanted === 0 ? list : list.filter((entry) => entry.family === wanted)

    if (usable.length === 0) {
      const wrapped = SystemErrors.lookupFailed(
        list.length === 0
          ? err || { code: 'ENOTFOUND' }
          : { code: 'ENOTFOUND', message: `${this._host} has no IPv${wanted} address` },
        this._host
      )
      this.emit('lookup', wrapped, undefined, undefined, this._host)
      return this.destroy(wrapped)
    }

    for (const entry of usable) this.emit('lookup', null, entry.address, entry.family, this._host)

    if (this.destroying) return

    this._race(usable, opts, wanted === 0)
  }

  // `usable`: addresses of the family wanted. `listed` when they are a host
  // name's, unfiltered: Node.js lists the attempts only when it races those,
  // with autoSelectFamily and more than one address.
  _race(usable, opts, listed) {
    if (!opts.autoSelectFamily) usable = usable.slice(0, 1)

    let attempted = null
    if (listed && opts.autoSelectFamily && usable.length > 1) {
      attempted = []
      attemptedAddresses.set(this, attempted)
    }

    this._connector = new Connector(this, usable, this._port, {
      delay: opts.connectAttemptDelay,
      localAddress: opts.localAddress,
      localPort: opts.localPort,
      attempted
    })

    this._connector.start()
  }

  _onconnect(handle, err) {
    if (this._connector !== null && this._connector.owns(handle)) {
      this._connector.onconnect(handle, err ? this._annotate(err) : null)
    }
  }

  _onconnectfailed(err) {
    this._connector = null
    this._remote = null
    this._state &= ~CONNECTING
    this.destroy(err)
  }

  _onconnected(handle, connecting) {
    this._connector = null
    this._handle = handle
    this._state = (this._state & ~CONNECTING) | CONNECTED
    if (connecting) this._state |= CONNECT_HOLD

    if (this._connectTimer) clearTimeout(this._connectTimer)
    this._connectTimer = null

    try {
      this._applyOptions()
    } catch (err) {
      return this.destroy(this._annotate(err))
    }

    // The writes made before the connection leave now, and the stream may
    // hand them to the kernel at once; their callbacks come after 'connect',
    // as in Node.js.
    if (this._pendingOpen) {
      const cb = this._pendingOpen
      this._pendingOpen = null
      this._state |= OPENING
      try {
        cb(null)
      } finally {
        this._state &= ~OPENING
      }
    }

    // Empty writes made before the connection, ahead of any data, are due now.
    const callbacks = this._writeCallbacks
    if (callbacks !== null && callbacks.length > 0 && callbacks[0].seq <= this._flushed) {
      this._callDueLater()
    }

    // The hold ends even if a listener throws (reported as uncaught): the
    // socket must still read.
    try {
      this.emit('connect')
      this.emit('ready')
    } finally {
      if (connecting) this._releaseConnectHold()
    }
  }

  // As in Node.js, a socket connect() made that is still paused once its
  // 'connect' listeners have run reads nothing until it is resumed, piped,
  // read or given a 'readable' listener: an open connection that nobody
  // reads does not keep the loop alive, and no read ahead of the pause
  // counts as activity against setTimeout(). An accepted socket reads at
  // once, unless its server's pauseOnConnect says otherwise.
  // The hold ends as a pause on connect does, and also with a 'data'
  // listener, which starts a paused stream flowing in bare-stream.
  _releaseConnectHold() {
    if ((this._state & CONNECT_HOLD) === 0) return
    if (
      this.isPaused() &&
      this.listenerCount('readable') === 0 &&
      (this._state & READ_ASKED) === 0
    ) {
      return
    }

    this._state &= ~CONNECT_HOLD
    if (this._state & READ_REQUESTED && !this.destroying) this._startReading()
  }

  _applyOptions() {
    const sockopts = this._sockopts
    if (sockopts === null) return

    if (sockopts.keepAlive) {
      this._applyKeepAlive(
        true,
        sockopts.keepAliveInitialDelay,
        sockopts.keepAliveInterval,
        sockopts.keepAliveCount
      )
    }
    if (sockopts.noDelay) binding.nodelay(this._handle, true)
    if (sockopts.userTimeout !== undefined) binding.userTimeout(this._handle, sockopts.userTimeout)
    if (sockopts.sendBufferSize !== undefined || sockopts.recvBufferSize !== undefined) {
      binding.bufferSizes(this._handle, sockopts.sendBufferSize || 0, sockopts.recvBufferSize || 0)
    }
  }

  _ownSockopts() {
    if (this._sockopts === null) this._sockopts = { ...DEFAULT_SOCKOPTS }
    return this._sockopts
  }

  // The kernel counts keep-alive times in whole seconds: a time under a
  // second means "soon", not "never", and 0 keeps the system's value.
  _applyKeepAlive(enable, delay, interval, count) {
    binding.keepalive(this._handle, enable, seconds(delay), seconds(interval), count)
  }

  // A read: a view of `length` bytes at `offset` in `data`, an ArrayBuffer
  // that small reads share. Answers the addon: read on, full (stop reading),
  // or the room left when the reads wait in the stream's queue (paused,
  // piped, read through 'readable'), so that a socket never holds more than
  // one read past its high-water mark.
  _onread(err, data, offset, length) {
    if (err) {
      this._state &= ~READING
      this.destroy(this._readFailure(err))
      return READ_FULL
    }

    if (data === null) {
      this._state &= ~READING
      // As a string: bare-stream's push() would encode it again.
      const tail = this._readableState.map?.flush?.()
      if (tail) StreamxDuplex.push.call(this, tail)
      this.push(null)
      return READ_FULL
    }

    this._state &= ~READ_REQUESTED

    const chunk = new Buffer(data, offset, length, NO_OPTIONS)

    if (this._canEmitData()) {
      this._emitData(chunk)
      // A listener may have paused the socket.
      return Readable.isPaused(this) ? this._readRoom() : READ_ON
    }

    if (this.push(chunk) || this._state & READ_REQUESTED) return this._readRoom()

    this._state &= ~READING
    return READ_FULL
  }

  // The addon refuses to read into an onread buffer the program detached or
  // shrank (its memory may be another buffer's by now), as EINVAL.
  _readFailure(err) {
    const into = this._into
    if (into !== null && into.length !== 0 && into.buffer.byteLength !== into.length) {
      return TCPError.INVALID_ARGUMENT('The onread buffer was detached or resized while in use')
    }
    return this._annotate(err)
  }

  // A read of `length` bytes into the onread buffer. The callback answers
  // false to pause the socket, as in Node.js; the addon makes no other read
  // into the buffer before this returns.
  _onreadInto(length) {
    const into = this._into
    let answer
    try {
      answer = into.callback.call(this, length, into.buffer)
    } catch (err) {
      reportUncaught(err)
    }

    if (answer === false && (this._state & PAUSED) === 0) this.pause()

    return this._state & PAUSED ? READ_FULL : READ_ON
  }

  // The bytes the stream's queue has room for: at least 1, since 0 would
  // stop reading, and short of READ_ON.
  _readRoom() {
    const state = this._readableState
    const room = state.highWaterMark - state.buffered
    return room < 1 ? 1 : room < READ_ON ? room : READ_ON - 1
  }

  // A flowing stream with nothing queued would hand a read straight to its
  // 'data' listeners in a microtask; handing it over now saves the queue and
  // the microtask and keeps the order. Anything else (paused, piped, mapped
  // by setEncoding, read through 'readable', data waiting) goes through
  // push() as before.
  _canEmitData() {
    const state = this._readableState
    return (
      state.buffered === 0 &&
      state.pipeTo === null &&
      state.map === null &&
      !this.destroying &&
      !Readable.isPaused(this) &&
      this.listenerCount('readable') === 0 &&
      this.listenerCount('data') > 0
    )
  }

  // A listener that throws is reported as it would be from the microtask,
  // and the other sockets of the batch still get their reads.
  // A lone 'data' listener is called directly: bare-events' emit copies the
  // listener list and the arguments on every call, a cost paid per read.
  // Only while emit() is the one this module and its base classes define:
  // one replaced anywhere on the way (a tracer's, say) sees every read.
  _emitData(data) {
    try {
      const listener =
        this.emit === socketEmit && Duplex.prototype.emit === baseEmit
          ? soleListener(this._events, 'data')
          : null
      if (listener !== null) callListener.call(listener, this, data)
      else this.emit('data', data)
    } catch (err) {
      reportUncaught(err)
    }
  }

  // The write the addon kept in flight completed, or was cancelled.
  _onwrite(err) {
    if (this._state & DIRECT_WRITE) this._ondirectwrite(err)
    else this._afterWritev(err, this._pendingWrite)
  }

  // The stream hears first, so that its 'drain' comes before the callbacks,
  // as in Node.js; a write queued meanwhile may go out during cb().
  _afterWritev(err, cb) {
    this._pendingWrite = null
    const flushed = (this._flushed += this._pendingChunks)
    this._pendingChunks = 0

    if (err) err = this._writeFailure(err)

    if (cb) cb(err)

    // The stream has drained (its 'drain', if anyone listened, is out).
    if (this._pendingChunks === 0 && this._writableState.queue.length === 0) {
      this._state &= ~STREAM_DRAIN
    }

    if (this._state & OPENING) callWriteCallbacksLater(this, flushed, err)
    else this._callWriteCallbacks(flushed, err)

    if (!err) this._drainIfEmpty()
  }

  // A write cancelled because the socket closed never reached the peer; its
  // callback hears why the socket closed, not libuv's ECANCELED.
  _writeFailure(err) {
    return err.code === 'ECANCELED' ? this._writeError() : this._annotate(err)
  }

  // Write callbacks run in order once their chunk's batch completed, with
  // its error if it failed; those whose chunk never reached _writev get an
  // error when the socket closes. end()'s callbacks wait at the end of the
  // list (seq Infinity) for the shutdown to complete (_onend), or for the
  // close that comes first.
  _addWriteCallback(seq, cb) {
    if (this._writeCallbacks === null) this._writeCallbacks = []
    this._writeCallbacks.push({ seq, cb, err: null })
  }

  // Writes that will never reach the kernel. The error is made only when a
  // callback waits for it: capturing a stack trace per closed socket costs
  // more than the rest of closing it.
  // Callbacks may write again meanwhile: their refusals are failed too,
  // before 'close'.
  _failWriteCallbacks() {
    while (this._writeCallbacks !== null && this._writeCallbacks.length > 0) {
      this._callWriteCallbacks(Infinity, this._writeError())
    }
  }

  // A callback that throws is reported as it would be on its own, from a
  // microtask, and neither the callbacks after it nor the socket's own
  // bookkeeping is skipped.
  _callWriteCallbacks(flushed, err) {
    const callbacks = this._writeCallbacks
    if (callbacks === null) return

    let i = 0

    while (i < callbacks.length && callbacks[i].seq <= flushed) i++
    if (i === 0) return

    const done = callbacks.splice(0, i)
    for (const entry of done) {
      try {
        entry.cb(entry.err || err)
      } catch (thrown) {
        queueMicrotask(() => {
          throw thrown
        })
      }
    }
  }

  // ENOTCONN means the peer is already gone. Everything written before the
  // end had already reached the kernel, so, as in Node.js, the writable side
  // still finishes; a reset shows up as a read error of its own. end()'s
  // callbacks run here, before the stream emits 'finish' (as in Node.js),
  // whatever its listeners do; on failure, at close.
  _onend(err, cb = this._pendingFinal) {
    this._pendingFinal = null
    if (err && err.code !== 'ENOTCONN') {
      err = this._annotate(err)
    } else {
      err = null
      this._state |= WRITE_FINISHED
      this._callEndCallbacks()
    }
    if (cb) cb(err)
  }

  // Only once every write before the end was called back: an unflushed
  // write ahead of them holds them to the close, and its error.
  _callEndCallbacks() {
    const callbacks = this._writeCallbacks
    if (callbacks === null || callbacks.length === 0) return
    this._callWriteCallbacks(this._flushed, null)
    if (callbacks.length > 0 && callbacks[0].seq === Infinity) {
      this._callWriteCallbacks(Infinity, null)
    }
  }

  _onclose(handle) {
    if (handle !== this._handle) return

    this._closed = handle
    this._handle = null
    this._state = (this._state & ~(CLOSING | READING)) | CLOSED

    this._failWriteCallbacks()

    const cb = this._pendingDestroy
    this._pendingDestroy = null
    if (cb) cb(null)
  }

  // bare-events gives a name's listener list room for 17 on its first push,
  // where most sockets keep one listener per name: cut to size, as 10,000
  // idle sockets with two names each would otherwise hold ~2 MB of empty
  // slots.
  on(name, fn) {
    return fitListeners(super.on(name, fn), name)
  }

  addListener(name, fn) {
    return fitListeners(super.addListener(name, fn), name)
  }

  once(name, fn) {
    return fitListeners(super.once(name, fn), name)
  }

  addOnceListener(name, fn) {
    return fitListeners(super.addOnceListener(name, fn), name)
  }

  prependListener(name, fn) {
    return fitListeners(super.prependListener(name, fn), name)
  }

  prependOnceListener(name, fn) {
    return fitListeners(super.prependOnceListener(name, fn), name)
  }

  // 'close' tells whether an error destroyed the socket, and the server
  // learns of it without a listener per connection. A 'drain' pays what
  // either path owed.
  // The stream's own events come from the middle of streamx's bookkeeping
  // (or, for 'end' and 'close', before ours): a listener that throws would
  // leave it half done, and the socket would never read on, end or close, nor
  // its server. What a listener throws is reported as uncaught, as in Node.js,
  // and the socket goes on.
  emit(name, ...argv) {
    if (name === 'newListener') {
      if (streamNewListener !== null) streamNewListener.call(this, argv[0], argv[1])
      // A consumer asks for data: it ends a pause on connect, as resume(),
      // pipe() and read() do. For 'readable' as in Node.js; for 'data' as in
      // the published bare-tcp, on which bare-net's sockets depend: they
      // listen for 'data' on the socket they wrap and resume only their own
      // stream.
      if (argv[0] === 'readable' || argv[0] === 'data') this._endPauseOnConnect()
    } else if (name === 'removeListener' && argv[0] === 'readable') {
      // Later: a once listener is removed before it is called.
      flowAfterReadableLater(this)
    }

    if (!isStreamEvent(name)) return super.emit(name, ...argv)

    if (name === 'drain') this._state &= ~DRAIN_OWED

    const closing = name === 'close' && argv.length === 0
    let result = true

    if (closing && this._server !== null) this._server._onsocketclosing(this)

    try {
      result = closing
        ? super.emit('close', getStreamError(this) !== null)
        : super.emit(name, ...argv)
    } catch (err) {
      reportUncaught(err)
    }

    // Without half-open, our side ends once the peer's end has been
    // delivered, after the 'end' listeners, as in Node.js.
    if (name === 'end' && (this._state & ALLOW_HALF_OPEN) === 0) this.end()
    else if (closing && this._server !== null) this._server._onsocketclose()

    return result
  }

  _closeHandle() {
    if (this._handle === null || this._state & CLOSING) return

    this._state |= CLOSING

    if (!binding.closeHandle(this._handle, this, (this._state & RESET) !== 0)) {
      this._onclose(this._handle)
    }
  }

  _stopConnecting() {
    this._state &= ~CONNECTING

    if (this._connector !== null) this._connector.cancel()
    this._connector = null

    if (this._connectTimer) clearTimeout(this._connectTimer)
    this._connectTimer = null
  }

  // connectTimeout: one deadline for the lookup and every attempt.
  _startConnectTimer(ms) {
    this._connectTimer = setTimeout(() => {
      this._connectTimer = null
      if ((this._state & CONNECTING) === 0 || this.destroying) return
      this.destroy(SystemErrors.connectTimeout(this._host, this._port, ms))
    }, ms)

    if (this._state & UNREFED) this._connectTimer.unref()
  }

  // An aborted signal destroys the socket with ABORT_ERR, at any time in its
  // life, as Node.js does.
  _watchSignal(signal) {
    if (signal.aborted) {
      queueMicrotask(() => this.destroy(SystemErrors.abortError(signal.reason)))
      return
    }

    // One given to the constructor and another to connect() both count.
    const onabort = () => this.destroy(SystemErrors.abortError(signal.reason))
    this._abort = { signal, onabort, next: this._abort }
    signal.addEventListener('abort', onabort)
  }

  _unwatchSignal() {
    for (let watch = this._abort; watch !== null; watch = watch.next) {
      watch.signal.removeEventListener('abort', watch.onabort)
    }
    this._abort = null
  }

  _connected() {
    return (this._state & CONNECTED) !== 0 && (this._state & CLOSING) === 0 && this._handle !== null
  }

  _isUnrefed() {
    return (this._state & UNREFED) !== 0
  }

  // A handle the program detached has no counters left to read.
  _currentCounters() {
    const handle = this._handle ?? this._closed
    if (handle === null || (this._state & CONNECTED) === 0) return [0, 0, 0]
    try {
      return binding.counters(handle)
    } catch {
      return [0, 0, 0]
    }
  }

  // Only while connected, as in Node.js: after close there is no local end.
  _localName() {
    if (!this._connected()) return null
    if (this._local === null) {
      try {
        this._local = binding.sockname(this._handle)
      } catch {
        return null
      }
    }
    return this._local
  }

  // Kept after close, as the addon recorded it: 'close' handlers log it.
  _remoteName() {
    const handle = this._handle ?? this._closed
    if (this._remote === null && handle !== null && this._state & CONNECTED) {
      try {
        this._remote = binding.peername(handle)
      } catch {
        return null
      }
    }
    return this._remote
  }

  _annotate(err) {
    const remote = this._remote || this._remoteName()
    return remote ? SystemErrors.withAddress(err, remote.address, remote.port) : err
  }

  // An idle timeout that costs nothing per read or write: the addon stamps
  // the loop time of each one, and the timer, when it fires, asks how long
  // the socket has been idle and sleeps again for the rest. After a
  // 'timeout', the next one needs new activity first: a stamp other than
  // the one the last 'timeout' saw. Comparing stamps rather than idle times
  // holds when two checks land in the same loop millisecond, as they do
  // with timeouts of a millisecond or two.
  _armTimer(ms) {
    this._idle.timer = setTimeout(() => this._ontimer(), ms)
    this._idle.timer.unref()
  }

  _stopTimer() {
    if (this._idle === null || this._idle.timer === null) return
    clearTimeout(this._idle.timer)
    this._idle.timer = null
  }

  _ontimer() {
    const state = this._idle
    state.timer = null

    const timeout = state.timeout
    if (!timeout || this.destroying) return

    // While connecting nothing happens: however many periods it takes, one
    // 'timeout', and the connection, once made, is activity.
    let stamp = TIMED_OUT_CONNECTING
    if (this._connected()) {
      const idle = binding.idle(this._handle)
      if (idle < timeout) return this._armTimer(timeout - idle)
      stamp = binding.lastActive(this._handle)
    }

    this._armTimer(timeout)

    if (stamp === state.timedOutAt) return
    state.timedOutAt = stamp
    this.emit('timeout')
  }

  _writeError() {
    return (
      getStreamError(this) ||
      TCPError.SOCKET_IS_CLOSED('Socket was destroyed before the data was written')
    )
  }
}

// The events streamx emits from its own bookkeeping. A switch: emit() asks
// for every event, and a Set's hash lookup cost more than these compares.
function isStreamEvent(name) {
  switch (name) {
    case 'data':
    case 'readable':
    case 'end':
    case 'finish':
    case 'drain':
    case 'error':
    case 'close':
      return true
    default:
      return false
  }
}

// From a microtask, where nothing of ours is left half done.
function reportUncaught(err) {
  queueMicrotask(() => {
    throw err
  })
}

const socketEmit = module.exports.prototype.emit
// What the socket's emit() reaches through super.
const baseEmit = Duplex.prototype.emit

// The socket options of a socket that set none. A socket that sets one gets
// its own copy.
const DEFAULT_SOCKOPTS = Object.freeze({
  keepAlive: false,
  keepAliveInitialDelay: 0,
  keepAliveInterval: 0,
  keepAliveCount: 0,
  noDelay: false,
  userTimeout: undefined,
  sendBufferSize: undefined,
  recvBufferSize: undefined
})

// streamx calls _read once and then waits for a push; it may call it again
// from inside push() when the push drained straight to a 'data' listener.
// READ_REQUESTED remembers such a call so that _onread keeps reading even
// when push() reported a full buffer.
function streamRead(cb) {
  this._state |= READ_REQUESTED
  this._startReading()
  cb(null)
}

// streamx's own 'newListener' listener, the same function for every stream.
let streamNewListener = null

// Decodes chunks as they come for the encodings streamx lacks: whole
// groups of three bytes for base64, whole code units (and no lone high
// surrogate) for UTF-16LE. Null while a chunk completes nothing.
function chunkDecoder(encoding) {
  let unit
  if (encoding === 'base64' || encoding === 'base64url') unit = 3
  else if (['utf16le', 'utf-16le', 'ucs2', 'ucs-2'].includes(encoding)) unit = 2
  else return null

  let rest = null
  function decode(data) {
    if (typeof data === 'string') return data
    const bytes = rest === null ? data : Buffer.concat([rest, data])
    let end = bytes.byteLength - (bytes.byteLength % unit)
    if (unit === 2 && end >= 2) {
      const last = bytes[end - 2] | (bytes[end - 1] << 8)
      if (last >= 0xd800 && last <= 0xdbff) end -= 2
    }
    rest = end === bytes.byteLength ? null : Buffer.from(bytes.subarray(end))
    return end === 0 ? null : bytes.subarray(0, end).toString(encoding)
  }
  // At the end, as Node.js's decoder: base64 of the last one or two bytes
  // (padded), or what UTF-16 can make of an unpaired half.
  decode.flush = function flush() {
    const tail = rest === null ? null : rest.toString(encoding)
    rest = null
    return tail
  }
  return decode
}

function ListenerTable() {}
ListenerTable.prototype = Object.create(null)

// The IP literals of a lookup's answer, each entry read once.
function lookupAnswer(addresses, family) {
  const entries = Array.isArray(addresses) ? addresses : [{ address: addresses, family }]
  const list = []
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]
    const address = entry ? entry.address : undefined
    if (ip.isAddress(address)) list.push({ address, family: ip.isIP(address) })
  }
  return list
}

// Buffer's constructor defaults its options argument to a new object; passed
// one, a read's view allocates only itself.
const NO_OPTIONS = Object.freeze({})

// Function.prototype.call taken once, for a listener's own `call` property
// to have no say; unlike Reflect.apply it needs no arguments array.
const callListener = Function.prototype.call

// Kept out of the callers: a function whose closure captures its arguments
// allocates the closure's context on every call, the calls that never make
// the closure included, and these callers run on every write or event.
function callWriteCallbacksLater(socket, seq, err) {
  queueMicrotask(() => socket._callWriteCallbacks(seq, err))
}

function drainIfEmptyLater(socket) {
  queueMicrotask(() => socket._drainIfEmpty())
}

function flowAfterReadableLater(socket) {
  queueMicrotask(() => socket._flowAfterReadable())
}

// bare-events' record of a name's listeners, each kept as [listener, once,
// fired] in its list; null if there is none of the shape expected.
function listenersOf(events, name) {
  const listeners = events === undefined ? undefined : events[name]
  return listeners !== undefined && Array.isArray(listeners.list) ? listeners : null
}

// The one listener of `name`, unless it is a once listener or there are
// several.
function soleListener(events, name) {
  const listeners = listenersOf(events, name)
  if (listeners === null) return null
  const list = listeners.list
  if (list.length !== 1 || list[0][1] !== false) return null
  return list[0][0]
}

function fitListeners(emitter, name) {
  const listeners = listenersOf(emitter._events, name)
  if (listeners !== null && listeners.list.length === 1) listeners.list = [listeners.list[0]]
  return emitter
}

// Kept beside the socket rather than in it: most sockets never connect to a
// host name, and a field would cost every one of them.
const attemptedAddresses = new WeakMap()

// Sockets with corked writes: one microtask flushes them all. Queued as a
// reaction of a settled promise: Bare's queueMicrotask() adds a second
// promise and a catch to report what the task throws, the larger part of the
// cost of a turn's writes; a flush reports what throws itself.
let corked = []

const settled = Promise.resolve()

function scheduleFlush(socket) {
  if (corked.push(socket) === 1) settled.then(flushAll)
}

function flushAll() {
  const sockets = corked
  corked = []
  for (const socket of sockets) {
    try {
      socket._flush()
    } catch (err) {
      reportUncaught(err)
    }
  }
}

// Many small chunks leave as one: copying them side by side in JavaScript
// costs less than the addon taking each apart through the engine's API. A
// chunk of no bytes (perhaps a detached buffer) goes to the addon as it is,
// which checks it.
const GATHER_MAX_AVERAGE = 1024

// Batches are gathered into one buffer that is used again as long as the
// kernel takes each batch whole during the call, as it mostly does: memory
// written a moment ago is still in cache, where a new buffer per batch
// costs its allocation and a cold copy. A batch left in flight keeps the
// buffer, and the next batch starts a new one.
const STAGING_SIZE = 65536

// The addon's write() asks for writev() with this (BARE_TCP_WRITE_SLOW).
const WRITE_SLOW = -0x80000000

let staging = null

function gather(chunks, bytes) {
  const count = chunks.length
  if (count === 1) return chunks[0]
  if (bytes > count * GATHER_MAX_AVERAGE) return chunks

  let gathered
  if (bytes <= STAGING_SIZE) {
    if (staging === null) staging = Buffer.allocUnsafeSlow(STAGING_SIZE)
    gathered = staging.subarray(0, bytes)
  } else {
    gathered = Buffer.allocUnsafe(bytes)
  }
  let offset = 0

  for (let i = 0; i < count; i++) {
    const chunk = chunks[i]
    const length = byteLengthOf(chunk)
    // Detached or resized since it was written: the addon decides.
    if (length <= 0 || offset + length > bytes) return chunks

    if (chunk instanceof Uint8Array) {
      // A subclass may claim more bytes than it has (a byteLength getter of
      // its own), and the gap would send bytes of an earlier batch; its
      // elements cannot lie. One that claims fewer is cut to its claim by
      // the next chunk, or overflows the buffer, which set() refuses.
      if (chunk[length - 1] === undefined || !copyInto(gathered, chunk, offset)) return chunks
    } else {
      const view = bytesOf(chunk, length)
      if (view === null) return chunks
      gathered.set(view, offset)
    }

    offset += length
  }

  return offset === bytes ? gathered : chunks
}

// A view's length, or -1 for a DataView whose buffer was detached or shrunk
// below it (its getter throws; a typed array's says 0), or a subclass whose
// getter throws.
function byteLengthOf(view) {
  try {
    return view.byteLength
  } catch {
    return -1
  }
}

function copyInto(target, chunk, offset) {
  try {
    target.set(chunk, offset)
    return true
  } catch {
    return false
  }
}

// The view's length is the one asked for, whatever the chunk claims; one
// outside its buffer is for the addon to refuse.
function bytesOf(chunk, length) {
  try {
    return new Uint8Array(chunk.buffer, chunk.byteOffset, length)
  } catch {
    return null
  }
}

// The addon's writev, and the one place that knows a batch left in flight
// keeps the gather buffer.
function writev(handle, chunks) {
  if (chunks instanceof Uint8Array) {
    const written = binding.write(handle, chunks)
    if (written >= 0 && written === byteLengthOf(chunks)) return undefined
    if (written < 0 && written !== WRITE_SLOW) throw binding.writeError(written)
    if (written > 0) chunks = chunks.subarray(written)
  }

  const pending = binding.writev(handle, chunks)
  if (pending > 0 && staging !== null && chunks.buffer === staging.buffer) staging = null
  return pending
}

function batchLength(batch) {
  let bytes = 0
  for (let i = 0; i < batch.length; i++) bytes += batch[i].length
  return bytes
}

function toChunk(data) {
  return data.chunk
}

function chunkLength(data) {
  return data.length
}

// streamx counts a read chunk in as it is queued and out as it leaves. A
// chunk whose buffer the program detached meanwhile (see lib/native.js)
// would leave as 0 bytes and leave the count off for good, so the length it
// came in with is kept until it leaves. Only queued chunks pay for this.
// Strings (after setEncoding()) count their characters, as in Node.js.
const queuedLengths = new WeakMap()

function queuedLength(data) {
  if (typeof data === 'string') return data.length
  if (typeof data !== 'object' || data === null || typeof data.byteLength !== 'number') return 1024

  const queued = queuedLengths.get(data)
  if (queued === undefined) {
    queuedLengths.set(data, data.byteLength)
    return data.byteLength
  }

  queuedLengths.delete(data)
  return queued
}

// No encoding (undefined, null or any falsy value) is UTF-8, and so is
// 'buffer', the encoding streams give a Buffer, as Node.js takes both.
function encode(string, encoding) {
  try {
    return Buffer.from(string, encoding && encoding !== 'buffer' ? encoding : 'utf8')
  } catch (err) {
    throw TCPError.INVALID_ARGUMENT(`Cannot encode a string as ${quote(encoding)}: ${err.message}`)
  }
}

function seconds(ms) {
  return ms > 0 ? Math.max(1, Math.floor(ms / 1000)) : 0
}
