// Data integrity under random chunking: 200 connections, each sending a
// random sequence of chunks from 1 byte to 1 MiB, echoed by a server that
// pauses and resumes at random, read back by a client that pauses and
// resumes at random too, and compared by SHA-256. Seeded: the seed is
// printed, and FUZZ_SEED replays a run.

const test = require('brittle')
const crypto = require('bare-crypto')
const env = require('bare-env')
const { listen, connect } = require('./helpers')
const { random, seed } = require('./fixtures/support')

const CONNECTIONS = Number(env.CHUNKING_CONNECTIONS) || 200
const CONCURRENCY = 50
const MAX_CHUNK = 1024 * 1024
const MAX_BYTES = 2 * 1024 * 1024
const MAX_CHUNKS = 24

// Pauses for a random few milliseconds, a random fraction of the time.
function jitter(rand, socket, p) {
  if (!rand.chance(p)) return
  socket.pause()
  setTimeout(() => socket.resume(), rand.int(0, 4))
}

function fill(rand, size, counter) {
  const chunk = Buffer.allocUnsafe(size)
  chunk.fill(counter & 0xff)
  // A few random bytes at random places, so that equal-length chunks differ.
  for (let i = 0; i < Math.min(size, 8); i++) chunk[rand.int(0, size - 1)] = rand.int(0, 255)
  return chunk
}

test(
  '200 connections of randomly sized chunks with random pauses arrive intact, checked by SHA-256',
  { timeout: 180000 },
  async (t) => {
    const base = seed('FUZZ_SEED')
    t.comment(`replay with FUZZ_SEED=${base}`)

    const serverRand = random(base ^ 0x5eed)
    const server = await listen(t, {}, (socket) => {
      socket.on('error', () => {})
      socket.on('data', (data) => {
        if (!socket.write(data)) {
          socket.pause()
          socket.once('drain', () => socket.resume())
        } else {
          jitter(serverRand, socket, 0.05)
        }
      })
      socket.on('end', () => socket.end())
    })
    const { port } = server.address()

    async function one(index) {
      const rand = random((base + index * 7919) >>> 0)
      const socket = connect(t, port, '127.0.0.1', {
        readBufferSize: rand.pick([1024, 16384, 65536, 1024 * 1024])
      })

      const sent = crypto.createHash('sha256')
      const received = crypto.createHash('sha256')
      let sentBytes = 0
      let receivedBytes = 0
      const results = []

      const done = new Promise((resolve, reject) => {
        socket.on('data', (data) => {
          received.update(data)
          receivedBytes += data.byteLength
          jitter(rand, socket, 0.1)
        })
        socket.on('end', resolve)
        socket.on('error', reject)
      })

      let chunks = 0
      while (chunks < MAX_CHUNKS && sentBytes < MAX_BYTES) {
        const size = Math.min(rand.logSize(1, MAX_CHUNK), MAX_BYTES - sentBytes || 1)
        const chunk = fill(rand, size, chunks)
        sent.update(chunk)
        sentBytes += size
        chunks++
        if (!socket.write(chunk, (err) => results.push(err))) {
          await new Promise((resolve) => socket.once('drain', resolve))
        }
      }
      socket.end()

      await done
      return {
        index,
        chunks,
        sentBytes,
        receivedBytes,
        same: sent.digest('hex') === received.digest('hex'),
        writesOk: results.length === chunks && results.every((err) => err === null)
      }
    }

    const outcomes = []
    let next = 0
    const worker = async () => {
      while (next < CONNECTIONS) {
        const index = next++
        outcomes.push(await one(index).catch((err) => ({ index, error: err.code || err.message })))
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker))

    const bad = outcomes.filter(
      (o) => o.error || !o.same || o.sentBytes !== o.receivedBytes || !o.writesOk
    )
    const total = outcomes.reduce((sum, o) => sum + (o.sentBytes || 0), 0)
    t.comment(`${outcomes.length} connections, ${(total / 1024 / 1024).toFixed(1)} MiB each way`)

    t.is(outcomes.length, CONNECTIONS)
    t.is(
      bad.length,
      0,
      `every connection intact (FUZZ_SEED=${base}); bad: ${JSON.stringify(bad.slice(0, 5))}`
    )
  }
)
