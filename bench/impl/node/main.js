// Node.js entry point: node main.js <check|server|client> <scenario> <port> [key=value...]
const net = require('net')
const scenarios = require('../scenarios.js')

const io = {
  print: (line) => console.log(line),
  exit: (code) => process.exit(code),
  now: () => performance.now()
}

scenarios.main(net, process.argv.slice(2), io)
