// Stream queues that make their storage on first use. streamx gives each of
// a socket's two queues a 16-slot ring when the socket is made (~270 bytes
// each), though most sockets never queue anything: their writes are corked
// past the writable queue and their reads go straight to 'data'. A lazy
// queue keeps the ring's interface and makes the same kind of ring on its
// first push.

// The ring streamx uses, learnt from the first queue replaced.
let Ring = null

class LazyQueue {
  constructor() {
    this.length = 0
    this._ring = null
  }

  push(value) {
    if (this._ring === null) this._ring = new Ring()
    this._ring.push(value)
    this.length++
  }

  shift() {
    if (this.length === 0) return undefined
    this.length--
    return this._ring.shift()
  }

  peek() {
    return this._ring === null ? undefined : this._ring.peek()
  }

  isEmpty() {
    return this.length === 0
  }

  clear() {
    if (this._ring !== null) this._ring.clear()
    this.length = 0
  }
}

// A lazy queue in place of an empty ring of the kind streamx made; any other
// queue is kept as it is.
module.exports = function lazyQueue(queue) {
  if (Ring === null) Ring = queue.constructor
  if (queue.constructor !== Ring || queue.length !== 0) return queue
  return new LazyQueue()
}
