// Connector: the race of connection attempts for one socket, after RFC 8305
// (Happy Eyeballs). The addresses are interleaved by family, starting with
// the family of the first one; each attempt runs on its own handle. The next
// attempt starts when the previous one failed or after `delay` ms, whichever
// comes first, and earlier attempts keep running meanwhile: unlike Node.js,
// no attempt is abandoned because it is slow, only because another won or
// the socket's own deadline (connectTimeout) passed. The first attempt to
// connect wins and the others are closed.

const binding = require('./native')
const SystemErrors = require('./system-errors')

module.exports = class Connector {
  constructor(socket, addresses, port, { delay, localAddress, localPort, attempted }) {
    this._socket = socket
    this._addresses = interleave(addresses)
    this._port = port
    this._delay = delay
    this._localAddress = localAddress
    this._localPort = localPort
    // 'address:port' of each attempt started, for
    // socket.autoSelectFamilyAttemptedAddresses; null when not asked for.
    this._attempted = attempted

    this._next = 0
    // [handle, address, family, ...]: usually one attempt, no Map needed.
    this._attempts = []
    this._errors = []
    this._timer = null
    this._done = false
  }

  start() {
    this._startNext()
  }

  // Closes every attempt still running; their callbacks are ignored.
  cancel() {
    this._done = true
    this._clearTimer()

    for (let i = 0; i < this._attempts.length; i += 3) binding.close(this._attempts[i])
    this._attempts = []
  }

  ref() {
    for (let i = 0; i < this._attempts.length; i += 3) binding.ref(this._attempts[i], true)
  }

  unref() {
    for (let i = 0; i < this._attempts.length; i += 3) binding.ref(this._attempts[i], false)
  }

  // True when `handle` is one of this race's attempts.
  owns(handle) {
    return this._attempts.indexOf(handle) !== -1
  }

  onconnect(handle, err) {
    const i = this._attempts.indexOf(handle)
    if (i === -1 || this._done) return

    const entry = { address: this._attempts[i + 1], family: this._attempts[i + 2] }
    this._attempts.splice(i, 3)

    if (err) {
      binding.close(handle)
      return this._failed(entry, err)
    }

    this.cancel()
    this._socket._onconnected(handle, true)
  }

  // An attempt that fails at once hands its turn to the next address: a
  // loop rather than a recursion, however many addresses fail so.
  _startNext() {
    this._clearTimer()

    const socket = this._socket

    while (this._next < this._addresses.length) {
      const { address, family } = this._addresses[this._next++]

      if (this._attempted !== null) this._attempted.push(address + ':' + this._port)
      socket.emit('connectionAttempt', address, this._port, family)
      if (this._done || socket.destroying) return

      let handle = null

      try {
        handle = binding.init(socket, socket._readBufferSize)
        if (socket._isUnrefed()) binding.ref(handle, false)

        if (this._localAddress !== null || this._localPort !== 0) {
          const local =
            this._localAddress !== null ? this._localAddress : family === 6 ? '::' : '0.0.0.0'
          try {
            binding.bind(handle, local, this._localPort)
          } catch (err) {
            // Named by the local end, as in Node.js.
            throw SystemErrors.withAddress(err, local, this._localPort || undefined)
          }
        }

        binding.connect(handle, address, this._port)
      } catch (err) {
        if (handle !== null) binding.close(handle)
        if (!this._record({ address, family }, err)) return
        continue
      }

      this._attempts.push(handle, address, family)

      if (this._next < this._addresses.length) {
        this._timer = setTimeout(() => this._startNext(), this._delay)
        this._timer.unref()
      }

      return
    }

    this._failIfLast()
  }

  _failed(entry, err) {
    if (!this._record(entry, err)) return

    // A failure hands its turn to the next address at once.
    if (this._next < this._addresses.length) this._startNext()
    else this._failIfLast()
  }

  // False when the race is over, or the socket going, once it is told.
  _record(entry, err) {
    const socket = this._socket

    err = SystemErrors.withAddress(err, entry.address, this._port)
    this._errors.push(err)

    socket.emit('connectionAttemptFailed', entry.address, this._port, entry.family, err)
    return !this._done && !socket.destroying
  }

  // The connect fails once no address is left to try and none is running.
  _failIfLast() {
    if (this._done || this._attempts.length > 0) return

    this._done = true

    const socket = this._socket
    const errors = this._errors
    socket._onconnectfailed(
      errors.length === 1 ? errors[0] : SystemErrors.connectFailed(socket._host, this._port, errors)
    )
  }

  _clearTimer() {
    if (this._timer === null) return
    clearTimeout(this._timer)
    this._timer = null
  }
}

// [v6a, v6b, v4a] -> [v6a, v4a, v6b]: alternate families, starting with the
// family the resolver put first, keeping each family's own order.
function interleave(addresses) {
  if (
    addresses.length < 3 &&
    (addresses.length < 2 || addresses[0].family !== addresses[1].family)
  ) {
    return addresses
  }

  const first = addresses.filter((entry) => entry.family === addresses[0].family)
  const second = addresses.filter((entry) => entry.family !== addresses[0].family)
  const result = []

  for (let i = 0; i < Math.max(first.length, second.length); i++) {
    if (i < first.length) result.push(first[i])
    if (i < second.length) result.push(second[i])
  }

  return result
}
