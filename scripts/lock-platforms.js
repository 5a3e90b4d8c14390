// The npm registry reachable here serves only the linux-x64 builds of the
// runtime, CMake and Ninja packages, so `npm install` leaves the other
// platforms' optional packages out of package-lock.json, and `npm ci` then
// refuses the lock file as out of sync. This adds them back with their os
// and cpu, which is all `npm ci` needs to skip them on this platform.
// Run it after any `npm install` that rewrites the lock file.
const fs = require('fs')
const path = require('path')

const file = path.join(__dirname, '..', 'package-lock.json')
const lock = JSON.parse(fs.readFileSync(file, 'utf8'))
const packages = lock.packages

let added = 0

for (const [key, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies || {})) {
    const match = /-(android|darwin|ios|linux|win32)-(arm64|arm|ia32|x64)(-simulator)?$/.exec(name)
    if (!match) continue

    const location = path.posix.join(key, 'node_modules', name)
    const hoisted = `node_modules/${name}`
    if (packages[location] || packages[hoisted]) continue

    packages[hoisted] = {
      version,
      cpu: [match[2]],
      dev: entry.dev,
      optional: true,
      os: [match[1]]
    }
    added++
  }
}

fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n')
console.log(`added ${added} platform entries`)
