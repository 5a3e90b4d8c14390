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
