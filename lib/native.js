// The addon, with its callbacks registered once for this JavaScript
// environment. The addon calls each one with the socket or server that owns
// the handle as `this`, so one set of functions serves every handle.

const binding = require('../binding')

binding.setup(
  function onconnection(err) {
    this._onconnection(err)
  },
  function onconnect(handle, err) {
    this._onconnect(handle, err)
  },
  function onread(err, data, offset, length) {
    return this._onread(err, data, offset, length)
  },
  // Every read of one loop iteration, [socket, data, offset, length, ...]:
  // answers with the numbers of the reads a socket could not buffer.
  function onreads(reads) {
    let full = null
    for (let i = 0; i < reads.length; i += 4) {
      if (!reads[i]._onread(null, reads[i + 1], reads[i + 2], reads[i + 3])) {
        if (full === null) full = []
        full.push(i / 4)
      }
    }
    return full
  },
  function onwrite(err) {
    this._onwrite(err)
  },
  function onend(err) {
    this._onend(err)
  },
  function onclose(handle) {
    this._onclose(handle)
  }
)

module.exports = binding
