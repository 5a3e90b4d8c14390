// Sockets dropped without being closed by the program (closed by the peer,
// refused, failed lookups, never connected) leak neither native handles nor
// descriptors nor memory once garbage collected. Runs the fixture in a
// child process with --expose-gc; see test/fixtures/gc.js.

const test = require('brittle')
const env = require('bare-env')
const { runBare, describe } = require('./fixtures/support')

const ROUNDS = 12
const WARM_UP = 3

// AddressSanitizer keeps freed memory in quarantine on purpose: resident
// memory says nothing about leaks under it (scripts/test-asan.sh).
const SANITIZED = /asan/.test(env.LD_PRELOAD || '')

test(
  'unreachable sockets are collected with their native handles; descriptors and memory stay flat',
  { timeout: 120000 },
  async (t) => {
    const run = await runBare(t, 'gc.js', [ROUNDS, 40], { flags: ['--expose-gc'], timeout: 100000 })
    t.is(run.signal, null, 'no crash')
    t.is(run.code, 0, describe(run))

    const result = run.result
    t.ok(result, 'the fixture reported')
    if (!result) return

    const { rounds } = result
    t.is(rounds.length, ROUNDS)
    t.is(
      result.closed,
      result.created,
      `every socket closed on its own (${result.closed} of ${result.created})`
    )
    t.ok(result.handles > 0, `${result.handles} native handles were watched`)
    t.is(result.orphanHandles, 0, 'every native handle was collected with its socket')
    // The last few sockets may still be held by the stream machinery's most
    // recent job; what matters is that the count does not grow with rounds.
    t.ok(
      result.aliveSockets <= 4,
      `${result.aliveSockets} of ${result.created} sockets still reachable`
    )

    const descriptors = rounds.map((round) => round.descriptors)
    t.ok(
      descriptors.every((count) => count === descriptors[0]),
      `open descriptors after each round: ${descriptors.join(', ')}`
    )
    t.ok(
      rounds.every((round) => round.connections === 0),
      'the server kept no connection'
    )

    const base = rounds[WARM_UP - 1].rss
    const last = rounds[rounds.length - 1].rss
    const growth = (last - base) / base
    const mb = (bytes) => (bytes / 1024 / 1024).toFixed(1)
    if (SANITIZED) {
      t.comment(`sanitized build: RSS ${mb(base)} -> ${mb(last)} MiB, not checked`)
    } else {
      t.ok(
        growth <= 0.1,
        `RSS after warm-up ${mb(base)} MiB, at the end ${mb(last)} MiB (${(growth * 100).toFixed(1)}%)`
      )
    }
  }
)
