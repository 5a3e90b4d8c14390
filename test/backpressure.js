const test = require('brittle')
const { listen, connect, once } = require('./helpers')

test(
  'write returns false when the peer does not read, then drain follows',
  { timeout: 60000 },
  async (t) => {
    let peer = null
    const server = await listen(t, { pauseOnConnect: true }, (socket) => (peer = socket))
    const socket = connect(t, server.address().port, '127.0.0.1')
    await once(socket, 'connect')

    // Small chunks: write() only reports a full buffer once the kernel stops
    // taking data, because the peer does not read.
    const chunk = Buffer.alloc(1024, 7)
    let written = 0
    let full = false

    while (!full && written < 256 * 1024 * 1024) {
      full = !socket.write(chunk)
      written += chunk.byteLength
      if (written % (8 * 1024) === 0) await new Promise((resolve) => setImmediate(resolve))
    }

    t.ok(full, `write returned false after ${written} bytes`)
    t.ok(written > 64 * 1024, 'the kernel took data before the stream reported full')

    let drained = false
    socket.once('drain', () => (drained = true))
    await new Promise((resolve) => setTimeout(resolve, 100))
    t.absent(drained, 'no drain while the peer does not read')

    let received = 0
    peer.on('data', (data) => (received += data.byteLength))
    const ended = once(peer, 'end')
    peer.resume()

    while (!drained) await new Promise((resolve) => setTimeout(resolve, 10))
    t.pass('drain emitted once the peer read')

    socket.end()
    await ended
    t.is(received, written, 'every byte arrived')
  }
)

test(
  'a paused reader stops reading from the kernel and resumes without loss',
  { timeout: 60000 },
  async (t) => {
    const total = 8 * 1024 * 1024

    const server = await listen(t, {}, async (socket) => {
      const chunk = Buffer.alloc(256 * 1024, 3)
      for (let sent = 0; sent < total; sent += chunk.byteLength) {
        if (!socket.write(chunk)) await once(socket, 'drain')
      }
      socket.end()
    })

    const socket = connect(t, server.address().port, '127.0.0.1')
    socket.pause()

    // Nothing consumes for a while: the stream buffers up to its high water
    // mark, then stops reading, leaving the rest in the kernel.
    await new Promise((resolve) => setTimeout(resolve, 200))
    t.ok(
      socket._readableState.buffered < total,
      `buffered ${socket._readableState.buffered} bytes while paused`
    )

    let received = 0
    socket.on('data', (data) => (received += data.byteLength))
    socket.resume()

    await once(socket, 'end')
    t.is(received, total)
  }
)
