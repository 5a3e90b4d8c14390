// Helpers for the tests that drive programs we did not write (curl, nc,
// openssl, node, npm) and our examples: find a tool on PATH, skip loudly or
// fail when one is missing, and run a program under a deadline while reading
// what it prints.
//
// Missing tools: outside CI a test that needs one is skipped with a warning
// on stderr; with CI set in the environment it fails instead, since
// scripts/ci-ecosystem.sh installs them before the tests run.

const test = require('brittle')
const { spawn } = require('bare-subprocess')
const fs = require('bare-fs')
const os = require('bare-os')
const path = require('bare-path')

const ROOT = path.join(__dirname, '..', '..')

exports.ROOT = ROOT
exports.BARE = Bare.argv[0]
exports.CI = isCI()

function isCI() {
  const value = os.getEnv('CI')
  return value !== undefined && value !== '' && value !== '0' && value !== 'false'
}

// Where `name` is on PATH, or null.
exports.which = function which(name) {
  for (const dir of (os.getEnv('PATH') || '').split(':')) {
    if (dir === '') continue

    const file = path.join(dir, name)

    try {
      fs.accessSync(file, fs.constants.X_OK)
      if (fs.statSync(file).isFile()) return file
    } catch {}
  }

  return null
}

// Test options for tools a test needs: { skip: true } when one is missing.
// In CI a missing tool is reported by a failing test of its own.
const reported = new Set()

exports.requires = function requires(...names) {
  const missing = names.filter((name) => exports.which(name) === null)
  if (missing.length === 0) return { skip: false }

  const message =
    `${missing.join(', ')} not found on PATH; ` +
    'scripts/ci-ecosystem.sh installs it (curl, netcat-openbsd, openssl, iproute2; Node.js for node and npm)'

  const key = missing.join(',')
  if (!reported.has(key)) {
    reported.add(key)

    if (exports.CI) {
      test(`${key} is installed`, (t) => t.fail(message))
    } else {
      console.error(`\n*** SKIPPING tests that need ${key}: ${message} ***\n`)
    }
  }

  return { skip: true }
}

// A temporary directory removed at teardown.
exports.tmpdir = function tmpdir(t, prefix = 'bare-tcp-') {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

// A free TCP port on 127.0.0.1, for programs that take a port number and
// cannot report one chosen by the system. The port is released before
// returning, so another program may take it first; tests that use this
// bind soon after.
exports.freePort = function freePort(tcp, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = tcp.createServer()
    server.on('error', reject)
    server.listen(0, host, () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

// Runs `file` with `args`, killed after `timeout` ms and at teardown. stdout and stderr are kept whole; waitFor() resolves once stdout
// (or stderr) matches a pattern, and rejects when the program exits first.
exports.start = function start(t, file, args = [], opts = {}) {
  return new Program(t, file, args, opts)
}

// Runs a program to its end: { code, signal, stdout, stderr }, with stdout
// and stderr as strings (stdoutBuffer for the raw bytes).
exports.run = async function run(t, file, args = [], opts = {}) {
  const program = new Program(t, file, args, opts)

  if (opts.input !== undefined) program.end(opts.input)
  else if (program.stdin) program.end()

  return program.exited
}

// Programs still running when this process exits (a crash that skipped the
// teardowns included) are killed then, so that no server outlives the tests.
const running = new Set()

Bare.on('exit', () => {
  for (const program of running) program.kill()
})

class Program {
  constructor(t, file, args, { cwd = ROOT, timeout = 20000, stdin = 'pipe' } = {}) {
    this.file = file
    this.args = args

    this._stdout = []
    this._stderr = []
    this._waiters = []
    this._exit = null

    // Under coreutils' timeout where there is one, so that the program ends
    // by itself a little after its deadline even if this process crashed
    // without running its teardowns. Our SIGTERM reaches it through timeout.
    const guard = exports.which('timeout')
    const limit = String(Math.ceil(timeout / 1000) + 5)

    this._guarded = guard !== null
    this.child = this._guarded
      ? spawn(guard, ['-s', 'KILL', limit, file, ...args], { cwd, stdio: [stdin, 'pipe', 'pipe'] })
      : spawn(file, args, { cwd, stdio: [stdin, 'pipe', 'pipe'] })
    running.add(this)
    this.stdin = this.child.stdin || null

    // A program that exits before reading all of its input makes our pipe
    // fail with EPIPE; that is the program's business, not a test failure.
    if (this.stdin) this.stdin.on('error', () => {})

    this.child.stdout.on('data', (data) => {
      this._stdout.push(data)
      this._check()
    })
    this.child.stderr.on('data', (data) => {
      this._stderr.push(data)
      this._check()
    })

    const timer = setTimeout(() => this.kill(), timeout)

    t.teardown(() => {
      clearTimeout(timer)
      if (this._exit === null) {
        this.kill()
        return this.exited
      }
    })

    // 'close' comes after 'exit' once stdout and stderr are drained.
    this.exited = new Promise((resolve) => {
      this.child.on('exit', () => running.delete(this))
      this.child.on('close', (code, signal) => {
        clearTimeout(timer)
        this._exit = { code, signal }

        for (const waiter of this._waiters) waiter.reject(this._error('exited'))
        this._waiters = []

        resolve({
          code,
          signal,
          stdout: this.stdout,
          stderr: this.stderr,
          stdoutBuffer: Buffer.concat(this._stdout)
        })
      })
    })
  }

  get stdout() {
    return Buffer.concat(this._stdout).toString()
  }

  get stderr() {
    return Buffer.concat(this._stderr).toString()
  }

  write(data) {
    return this.stdin.write(data)
  }

  end(data) {
    if (data !== undefined) this.stdin.end(data)
    else this.stdin.end()
  }

  // SIGTERM through the timeout guard, which passes it on; SIGKILL when
  // there is no guard.
  kill(signal = this._guarded ? 'SIGTERM' : 'SIGKILL') {
    if (this._exit !== null) return
    try {
      this.child.kill(signal)
    } catch {}
  }

  // Resolves with the match once stdout + stderr match `pattern`.
  waitFor(pattern) {
    return new Promise((resolve, reject) => {
      const waiter = { pattern, resolve, reject }
      if (this._test(waiter)) return
      if (this._exit !== null) return reject(this._error('exited'))
      this._waiters.push(waiter)
    })
  }

  _test(waiter) {
    const match = (this.stdout + this.stderr).match(waiter.pattern)
    if (match === null) return false
    waiter.resolve(match)
    return true
  }

  _check() {
    this._waiters = this._waiters.filter((waiter) => !this._test(waiter))
  }

  _error(what) {
    const { code, signal } = this._exit || {}
    return new Error(
      `${path.basename(this.file)} ${this.args.join(' ')} ${what} (code ${code}, signal ${signal}) ` +
        `before printing what was expected\nstdout: ${this.stdout}\nstderr: ${this.stderr}`
    )
  }
}
