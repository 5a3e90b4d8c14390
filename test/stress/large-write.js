// A single chunk of 4 GiB or more: its length does not fit in 32 bits, and
// whatever the addon does with it, a successful write callback must mean
// every byte reached the peer. The chunk is zero pages except for a marker
// at each end, so it costs address space, not memory.
//
// Run by scripts/ci-reliability.sh (check 'large'), not by npm test: once
// the addon sends the whole chunk, this moves 4 GiB over loopback, some 10 s
// on a busy machine.

const test = require('brittle')
const { listen, connect, once } = require('../helpers')

const SIZE = 2 ** 32 + 16

test(
  'a chunk larger than 4 GiB is sent whole, or its write fails with a code',
  { timeout: 180000 },
  async (t) => {
    let received = 0
    let first = -1
    let last = -1

    const server = await listen(t, { readBufferSize: 1024 * 1024 }, (socket) => {
      socket.on('error', () => {})
      socket.on('data', (data) => {
        if (received === 0) first = data[0]
        if (received + data.byteLength === SIZE) last = data[data.byteLength - 1]
        received += data.byteLength
      })
      socket.on('end', () => socket.end())
    })

    const socket = connect(t, server.address().port, '127.0.0.1')
    socket.on('error', () => {})
    await once(socket, 'connect')

    const chunk = Buffer.alloc(SIZE)
    chunk[0] = 0x11
    chunk[SIZE - 1] = 0x22

    const result = await new Promise((resolve) => {
      socket.write(chunk, resolve)
      socket.end()
    })

    await once(socket, 'close')

    if (result === null) {
      t.is(received, SIZE, `the write reported success: the peer must have all ${SIZE} bytes`)
      t.is(first, 0x11, 'the first byte')
      t.is(last, 0x22, 'the last byte, at its place')
      t.is(socket.bytesWritten, SIZE, 'bytesWritten counts every byte')
    } else {
      t.is(typeof result.code, 'string', `the write failed with ${result.code}`)
    }
  }
)
