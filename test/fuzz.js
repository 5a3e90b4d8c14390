// Bad input tried: the public API called with values of every type in
// every state (test/fixtures/fuzz.js), each run in a child process so that a
// crash, an abort or a hang is caught and reported with the seed that
// replays it:
//
//   FUZZ_SEED=<seed> FUZZ_OPS=<ops> bare test/fixtures/fuzz.js
//
// FUZZ_SEED also fixes the seeds of this file's runs (seed, seed+1, ...);
// FUZZ_RUNS and FUZZ_OPS scale it (scripts/ci-reliability.sh runs more).

const test = require('brittle')
const env = require('bare-env')
const { runBare, describe, seed } = require('./fixtures/support')

const RUNS = Number(env.FUZZ_RUNS) || 3
const OPS = Number(env.FUZZ_OPS) || 1500
const BASE = seed('FUZZ_SEED')

test(
  `fuzz: ${RUNS} runs of ${OPS} calls from FUZZ_SEED=${BASE}`,
  { timeout: 60000 + RUNS * 25000 },
  async (t) => {
    for (let i = 0; i < RUNS; i++) {
      const runSeed = (BASE + i) >>> 0
      const replay = `FUZZ_SEED=${runSeed} FUZZ_OPS=${OPS} bare test/fixtures/fuzz.js`

      const run = await runBare(t, 'fuzz.js', [], {
        timeout: 20000,
        extraEnv: { FUZZ_SEED: String(runSeed), FUZZ_OPS: String(OPS) }
      })

      const crashed = run.signal !== null || run.result === null
      t.absent(
        crashed,
        `seed ${runSeed}: no crash, abort or hang (replay: ${replay})${crashed ? '\n' + describe(run) : ''}`
      )

      const violations = run.result ? run.result.violations : []
      const lines = violations.map(
        (v) => `  op ${v.op} ${v.call}: ${v.what} (x${v.count}): ${v.error}`
      )
      t.is(
        violations.length,
        0,
        `seed ${runSeed}: every error had a code, nothing escaped (replay: ${replay})${lines.length ? '\n' + lines.join('\n') : ''}`
      )
    }
  }
)
