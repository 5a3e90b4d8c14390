// IP literal classification with Node.js semantics: dotted decimal IPv4
// without leading zeros, IPv6 in all its compressed forms with an optional
// embedded IPv4 tail and zone id ("fe80::1%eth0").

const {
  address: { MAX_LENGTH }
} = require('./constants')

exports.isIPv4 = function isIPv4(host) {
  if (typeof host !== 'string' || host.length > 15) return false

  const parts = host.split('.')
  if (parts.length !== 4) return false

  for (const part of parts) {
    if (!isDecimalOctet(part)) return false
  }

  return true
}

exports.isIPv6 = function isIPv6(host) {
  if (typeof host !== 'string') return false

  let address = host
  const percent = host.indexOf('%')

  if (percent !== -1) {
    const zone = host.slice(percent + 1)
    if (!/^[0-9a-zA-Z\-.:]+$/.test(zone)) return false
    address = host.slice(0, percent)
  }

  if (address.length < 2 || address.length > 45) return false

  const halves = address.split('::')
  if (halves.length > 2) return false

  const head = halves[0] === '' ? [] : halves[0].split(':')
  const tail = halves.length === 2 && halves[1] !== '' ? halves[1].split(':') : []
  const groups = halves.length === 2 ? tail : head

  // An embedded IPv4 address may only end the address, and counts as two.
  let count = head.length + (halves.length === 2 ? tail.length : 0)
  const last = groups.length ? groups[groups.length - 1] : null

  if (last !== null && last.includes('.')) {
    if (!exports.isIPv4(last)) return false
    groups.pop()
    count += 1
  }

  for (const group of halves.length === 2 ? head.concat(groups) : groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return false
  }

  return halves.length === 2 ? count <= 7 : count === 8
}

exports.isIP = function isIP(host) {
  if (exports.isIPv4(host)) return 4
  if (exports.isIPv6(host)) return 6
  return 0
}

// An IP literal the addon takes: a zone id can make a valid one too long.
exports.isAddress = function isAddress(host) {
  return exports.isIP(host) !== 0 && host.length <= MAX_LENGTH
}

function isDecimalOctet(part) {
  if (part.length === 0 || part.length > 3) return false
  if (part.length > 1 && part[0] === '0') return false

  for (let i = 0; i < part.length; i++) {
    const c = part.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }

  return Number(part) <= 255
}
