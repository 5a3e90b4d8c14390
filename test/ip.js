const test = require('brittle')
const tcp = require('..')

test('isIPv4 accepts dotted decimal without leading zeros', (t) => {
  for (const host of ['0.0.0.0', '127.0.0.1', '255.255.255.255', '10.1.20.200', '1.2.3.0']) {
    t.ok(tcp.isIPv4(host), host)
    t.is(tcp.isIP(host), 4, host)
  }

  for (const host of [
    '256.1.1.1',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    '1.2.3.-4',
    ' 1.2.3.4',
    '1.2.3.4 ',
    '',
    '1..2.3',
    '.1.2.3',
    '1.2.3.',
    '1.2.3.04',
    '00.0.0.0',
    '1234.1.1.1',
    '999.1.1.1',
    '1.2.3.a',
    '1.2.3.4\n',
    '1.2.3.4.',
    '\uff11.2.3.4'
  ]) {
    t.absent(tcp.isIPv4(host), JSON.stringify(host))
  }
})

test('isIPv6 accepts every compressed form, IPv4 tails and zone ids', (t) => {
  const valid = [
    '::',
    '::1',
    '1::',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:7::',
    '::ffff:1.2.3.4',
    '1:2:3:4:5:6:1.2.3.4',
    'fe80::1%lo',
    'fe80::1%eth0.1',
    'ABCD:ef01::1'
  ]

  for (const host of valid) {
    t.ok(tcp.isIPv6(host), host)
    t.is(tcp.isIP(host), 6, host)
  }

  const invalid = [
    '::1%',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    ':1',
    '1:',
    '12345::1',
    'g::1',
    '[::1]',
    '1:2:3:4:5:6:7:1.2.3.4',
    '::ffff:256.1.1.1',
    '%lo'
  ]

  for (const host of invalid) {
    t.absent(tcp.isIPv6(host), host)
    t.is(tcp.isIP(host), 0, host)
  }
})

test('isIP judges anything but a string by its string form, as Node.js does', (t) => {
  t.is(tcp.isIP(['1.2.3.4']), 4)
  t.is(tcp.isIP(['::1']), 6)
  t.is(tcp.isIP({ toString: () => 'fe80::1%lo' }), 6)
  t.is(tcp.isIPv4(['1.2.3.4']), true)
  t.is(tcp.isIPv6(['::1']), true)
  t.is(tcp.isIPv6(['1.2.3.4']), false)
  t.is(tcp.isIP(1234), 0)
  t.is(tcp.isIP(Object.create(null)), 0, 'no string form: no address, no throw')
  t.is(
    tcp.isIPv6({
      toString() {
        throw new Error('no')
      }
    }),
    false
  )
})

test('isIP returns 0 for anything that is not an address', (t) => {
  for (const value of ['localhost', 'example.com', '', undefined, null, 4, {}, [], Symbol('x')]) {
    t.is(tcp.isIP(value), 0)
    t.is(tcp.isIPv4(value), false)
    t.is(tcp.isIPv6(value), false)
  }
})
