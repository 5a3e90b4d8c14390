// Misuse found by the fuzzer (test/fuzz.js), each replayed on its own in a
// child process (test/fixtures/misuse.js), since several of them end in an
// uncaught exception or a process that cannot exit. Each must end in an
// error with a code, thrown or emitted, and a process that exits by itself.

const test = require('brittle')
const { runBare, describe } = require('./fixtures/support')

const CASES = [
  'write-callback-not-a-function',
  'end-callback-not-a-function',
  'encoding-not-a-string',
  'lookup-answer-with-null-entry',
  'lookup-calls-back-twice',
  'server-lookup-calls-back-twice',
  'option-value-without-string-form',
  'unref-and-ref-while-closing',
  'error-factories-with-odd-arguments'
]

for (const name of CASES) {
  test(`misuse: ${name}`, { timeout: 30000 }, async (t) => {
    const run = await runBare(t, 'misuse.js', [name], { timeout: 10000 })
    const result = run.result

    t.absent(run.hung, `the process ended by itself${run.hung ? '\n' + describe(run) : ''}`)
    t.is(run.signal, null, 'no crash')
    t.ok(
      result && result.uncaught === null,
      `nothing escaped${result && result.uncaught ? ': ' + result.uncaught : ''}`
    )
    t.ok(result && result.ok, `handled with a code (${result ? result.detail : describe(run)})`)
  })
}
