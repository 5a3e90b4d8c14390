// Process exit in every state of sockets and servers (test/exit.js covers
// the basics): Bare.exit(), an uncaught exception with and without a
// handler, and the end of the event loop once everything is unref()'d. The
// exit code must be the program's, nothing may abort but Bare's own report
// of an unhandled exception, and nothing may be printed by a sanitizer (the
// sanitizer build runs this same file, see scripts/test-asan.sh).

const test = require('brittle')
const { runBare, describe } = require('./fixtures/support')

const STATES = [
  'idle',
  'lookup',
  'connecting',
  'server-binding',
  'listening',
  'server-closing',
  'reading',
  'writing',
  'ending',
  'half-open',
  'closing',
  'inside-connect',
  'inside-connection',
  'inside-listening',
  'inside-lookup',
  'inside-data',
  'inside-end',
  'inside-finish',
  'inside-write-callback',
  'inside-drain',
  'inside-close',
  'inside-error',
  'inside-timeout'
]

// A write the kernel has not taken yet is a libuv request, and requests
// keep the loop alive whatever the handle's ref: with traffic still in
// flight the loop does not end on its own, by design. These states end the
// process with Bare.exit() and exceptions only.
const KEEPS_LOOP_ALIVE = ['reading', 'writing', 'ending']

const EXPECTED = {
  exit: { code: 7, signal: null },
  handled: { code: 3, signal: null },
  unhandled: { code: null, signal: 'SIGABRT' },
  loop: { code: 0, signal: null }
}

const REPORT =
  /Sanitizer|runtime error|Assertion|Segmentation|double free|corrupted|Handle is closed|Uncaught (?!Error: exit-states: uncaught on purpose)/

async function pool(jobs, size) {
  const results = []
  let next = 0
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++
      results[i] = await jobs[i]()
    }
  }
  await Promise.all(Array.from({ length: size }, worker))
  return results
}

for (const how of Object.keys(EXPECTED)) {
  test(`exit by ${how} in every state`, { timeout: 120000 }, async (t) => {
    const states =
      how === 'loop' ? STATES.filter((state) => !KEEPS_LOOP_ALIVE.includes(state)) : STATES
    const runs = await pool(
      states.map((state) => () => runBare(t, 'exit-states.js', [how, state], { timeout: 20000 })),
      4
    )

    states.forEach((state, i) => {
      const run = runs[i]
      const { code, signal } = EXPECTED[how]
      const ok = run.code === code && run.signal === signal && !run.hung

      // What a process prints just before it exits may not reach the pipe
      // when the machine is busy, so only the absence of a report counts.
      const clean = !REPORT.test(run.stderr)
      if (how === 'unhandled') {
        t.ok(
          ok && clean,
          `${state}: Bare's report and abort, nothing else\n${ok && clean ? '' : describe(run)}`
        )
      } else {
        t.ok(
          ok && clean,
          `${state}: exit code ${code}, no report\n${ok && clean ? '' : describe(run)}`
        )
      }
    })
  })
}
