// Any value as text, whatever it is: error messages quote what the caller
// passed, and String() throws on some values (objects without a prototype,
// views on detached buffers).

exports.describe = function describe(value) {
  if (typeof value === 'string') return value.length > 200 ? value.slice(0, 200) + '…' : value
  if (typeof value === 'symbol') return value.toString()
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'function') return 'a function'
  if (value !== null && typeof value === 'object')
    return Array.isArray(value) ? 'an array' : 'an object'
  return String(value)
}

exports.quote = function quote(value) {
  return typeof value === 'string'
    ? `'${exports.describe(value).slice(0, 32)}'`
    : exports.describe(value)
}
