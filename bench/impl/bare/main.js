// Bare entry point: bare main.js <module> <check|server|client> <scenario> <port> [key=value...]
// <module> is the path of the bare-tcp under test, so ours and upstream run
// the very same file.
const scenarios = require('../scenarios.js')

const [modulePath, ...args] = Bare.argv.slice(2)

const io = {
  print: (line) => console.log(line),
  exit: (code) => Bare.exit(code),
  now: () => Date.now() // Bare has no performance.now(); runs last >= 100 ms
}

scenarios.main(require(modulePath), args, io)
