// The package as npm publishes it: `npm pack` holds the built addon, the
// sources and the types and nothing else, and the tarball installs into a
// fresh project beside only `bare` (from the registry), where a server and
// a client run and a TypeScript file type-checks against the shipped types.

const test = require('brittle')
const fs = require('bare-fs')
const path = require('bare-path')
const tools = require('./helpers/tools')

const ROOT = tools.ROOT
const manifest = require('../package.json')

// What the tarball may hold, each path relative to its package/ folder.
const ALLOWED = [
  /^package\.json$/,
  /^README\.md$/,
  /^LICENSE(\.md|\.txt)?$/,
  /^index\.js$/,
  /^index\.d\.ts$/,
  /^binding\.c$/,
  /^binding\.js$/,
  /^CMakeLists\.txt$/,
  /^src\/[a-z_]+\.[ch]$/,
  /^lib\/[a-z_-]+\.js$/,
  /^lib\/[a-z_-]+\.d\.ts$/,
  /^prebuilds\/[a-z0-9]+-[a-z0-9]+(-simulator)?\/bare-tcp\.bare$/
]

const REQUIRED = [
  'package.json',
  'README.md',
  'LICENSE',
  'index.js',
  'index.d.ts',
  'binding.c',
  'binding.js',
  'CMakeLists.txt',
  'prebuilds/linux-x64/bare-tcp.bare'
]

const needs = tools.requires('npm', 'node')

async function pack(t, dir) {
  const result = await tools.run(t, 'npm', [
    'pack',
    '--ignore-scripts',
    '--json',
    '--pack-destination',
    dir
  ])
  if (result.code !== 0) t.comment(result.stderr)
  t.is(result.code, 0, 'npm pack succeeded')

  const [info] = JSON.parse(result.stdout)
  return { tarball: path.join(dir, info.filename), files: info.files.map((file) => file.path) }
}

test('npm pack holds the addon, the sources and the types, and nothing else', needs, async (t) => {
  const { files } = await pack(t, tools.tmpdir(t, 'bare-tcp-pack-'))

  for (const file of REQUIRED) t.ok(files.includes(file), `${file} is packed`)

  for (const file of fs.readdirSync(path.join(ROOT, 'src'))) {
    t.ok(files.includes(`src/${file}`), `src/${file} is packed`)
  }

  for (const file of fs.readdirSync(path.join(ROOT, 'lib'))) {
    t.ok(files.includes(`lib/${file}`), `lib/${file} is packed`)
  }

  const extra = files.filter((file) => !ALLOWED.some((pattern) => pattern.test(file)))
  t.alike(extra, [], 'nothing else is packed')
})

// npm install may have to fetch bare from the registry: a longer timeout.
test(
  'the packed tarball installs and runs in a fresh project',
  { ...needs, timeout: 180000 },
  async (t) => {
    const dir = tools.tmpdir(t, 'bare-tcp-install-')
    const { tarball } = await pack(t, dir)

    const project = path.join(dir, 'project')
    fs.mkdirSync(project)

    // The same overrides as ours: the newest bare-type and
    // bare-structured-clone need a newer Bare than the one on npm.
    fs.writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify(
        {
          name: 'bare-tcp-consumer',
          private: true,
          dependencies: {
            'bare-tcp': `file:${tarball}`,
            bare: manifest.devDependencies.bare
          },
          overrides: manifest.overrides
        },
        null,
        2
      )
    )

    fs.writeFileSync(
      path.join(project, 'app.js'),
      [
        "const tcp = require('bare-tcp')",
        "console.log('resolved', require.resolve('bare-tcp'))",
        'const server = tcp.createServer((socket) => socket.pipe(socket))',
        "server.listen(0, '127.0.0.1', () => {",
        "  const socket = tcp.createConnection(server.address().port, '127.0.0.1')",
        '  const chunks = []',
        '  socket.on("data", (data) => chunks.push(data))',
        '  socket.on("end", () => console.log("echoed", Buffer.concat(chunks).toString()))',
        '  socket.on("close", () => server.close(() => console.log("closed")))',
        "  socket.end('hello from a fresh project')",
        '})',
        ''
      ].join('\n')
    )

    fs.writeFileSync(
      path.join(project, 'app.ts'),
      [
        "import { createServer, createConnection, Socket } from 'bare-tcp'",
        'const server = createServer((socket: Socket) => socket.end())',
        "server.listen({ port: 0, host: '127.0.0.1' }, () => {",
        '  const address = server.address()',
        "  if (address !== null) createConnection(address.port, '127.0.0.1').end()",
        '})',
        ''
      ].join('\n')
    )

    fs.writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'es2022',
          lib: ['es2022', 'esnext.disposable'],
          module: 'node16',
          moduleResolution: 'node16',
          types: [],
          skipLibCheck: true
        },
        files: ['app.ts']
      })
    )

    // bare and its dependencies come from npm's cache or the registry.
    const install = await tools.run(
      t,
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel', 'error'],
      { cwd: project, timeout: 120000 }
    )
    if (install.code !== 0) t.comment(install.stdout + install.stderr)
    t.is(install.code, 0, 'npm install succeeded')

    const installed = path.join(project, 'node_modules', 'bare-tcp')
    t.absent(fs.lstatSync(installed).isSymbolicLink(), 'bare-tcp is a copy, not a link')
    t.ok(
      fs.existsSync(path.join(installed, 'prebuilds', 'linux-x64', 'bare-tcp.bare')),
      'with its prebuilt addon'
    )

    // The way a user runs it: the `bare` package's launcher, which finds the
    // runtime binary for this platform among its optional dependencies.
    const bare = path.join(project, 'node_modules', '.bin', 'bare')
    const run = await tools.run(t, bare, ['app.js'], { cwd: project })

    t.is(run.code, 0, `the app exited cleanly ${run.stderr}`)
    t.is(
      run.stdout,
      `resolved ${path.join(installed, 'index.js')}\n` +
        'echoed hello from a fresh project\n' +
        'closed\n'
    )

    const tsc = await tools.run(
      t,
      'node',
      [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project],
      { cwd: project, timeout: 60000 }
    )
    t.is(tsc.code, 0, `the shipped types check ${tsc.stdout}`)
  }
)
