// bare-net, bare-http1 and bare-tls exactly as npm installed them from the
// registry (pinned devDependencies), loaded so that their require('bare-tcp')
// reaches this repository rather than the published bare-tcp that npm hoists
// into node_modules/bare-tcp for other packages.
//
// Bare resolves modules to their real paths, so a symlink to
// node_modules/bare-net would still find the published bare-tcp beside it.
// Instead a temporary project is laid out once per process:
//
//   <tmp>/node_modules/bare-tcp     -> this repository
//   <tmp>/node_modules/bare-net     a copy of node_modules/bare-net
//   <tmp>/node_modules/bare-http1   a copy of node_modules/bare-http1
//   <tmp>/node_modules/bare-tls     a copy of node_modules/bare-tls
//   <tmp>/node_modules/<any other>  -> node_modules/<any other>
//
// load() checks that what it returns resolves bare-tcp to our index.js.

const fs = require('bare-fs')
const os = require('bare-os')
const path = require('bare-path')

const ROOT = path.join(__dirname, '..', '..')
const COPIED = ['bare-net', 'bare-http1', 'bare-tls']

let project = null

function setup() {
  if (project !== null) return project

  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'bare-tcp-ecosystem-')))
  const modules = path.join(dir, 'node_modules')

  fs.mkdirSync(modules)

  for (const name of fs.readdirSync(path.join(ROOT, 'node_modules'))) {
    if (name.startsWith('.')) continue

    const source = path.join(ROOT, 'node_modules', name)
    const target = path.join(modules, name)

    if (name === 'bare-tcp') fs.symlinkSync(ROOT, target)
    else if (COPIED.includes(name)) fs.cpSync(source, target, { recursive: true })
    else fs.symlinkSync(source, target)
  }

  Bare.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }))

  project = dir
  return dir
}

// Where `specifier` resolves from inside the installed package `from`.
exports.resolve = function resolve(from, specifier) {
  const main = path.join(setup(), 'node_modules', from, 'package.json')
  return require.resolve(specifier, 'file://' + main)
}

// The package `name` from the temporary project, after checking that it
// (and bare-net, for bare-tls) reach this repository's bare-tcp.
exports.load = function load(name) {
  if (!COPIED.includes(name)) throw new Error(`${name} is not one of ${COPIED.join(', ')}`)

  const ours = require.resolve(ROOT)

  for (const from of name === 'bare-tls' ? ['bare-tls', 'bare-net'] : [name]) {
    const specifier = from === 'bare-tls' ? 'bare-net' : 'bare-tcp'
    const resolved = exports.resolve(from, specifier)
    const expected =
      specifier === 'bare-tcp' ? ours : path.join(setup(), 'node_modules', 'bare-net', 'index.js')

    if (resolved !== expected) {
      throw new Error(`${from} resolves ${specifier} to ${resolved}, not ${expected}`)
    }
  }

  return require(path.join(setup(), 'node_modules', name))
}

// The published version of `name` that the copy came from.
exports.version = function version(name) {
  return require(path.join(ROOT, 'node_modules', name, 'package.json')).version
}
