// IP literal classification with Node.js semantics: dotted decimal IPv4
// without leading zeros, IPv6 in all its compressed forms with an optional
// embedded IPv4 tail and zone id ("fe80::1%eth0").

const {
  address: { MAX_LENGTH }
} = require('./constants')

// A scan rather than split(): every connect() to an IPv4 literal asks, and
// the four strings and the array of a split showed in the connection rate.
exports.isIPv4 = function isIPv4(host) {
  if (typeof host !== 'string' || host.length > 15) return false

  let octets = 0
  let digits = 0
  let value = 0

  for (let i = 0; i <= host.length; i++) {
    const c = i === host.length ? 46 /* . */ : host.charCodeAt(i)

    if (c === 46) {
      if (digits === 0 || value > 255 || ++octets > 4) return false
      digits = 0
      value = 0
    } else if (c >= 48 && c <= 57) {
      // No leading zeros: "01" is not an octet, "0" is.
      if (digits === 1 && value === 0) return false
      if (++digits > 3) return false
      value = value * 10 + (c - 48)
    } else {
      return false
    }
  }

  return octets === 4
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
