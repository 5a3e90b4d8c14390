// Reads valgrind's XML output (--xml=yes) and keeps the errors that are the
// addon's: those with a frame in binding.c, src/*.c or the addon's .bare
// file. Bare and V8 are noisy under memcheck; an error with none of our
// frames in its stacks is counted and ignored. Exits 1 if any error is ours.
//
//   node scripts/valgrind-filter.js <file.xml>...

const fs = require('fs')

const OURS = /(^|\/)(binding\.c|src\/[a-z_]+\.c)$|bare-tcp[^/]*\.bare$/

function decode(text) {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&')
}

function field(block, name) {
  const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(block)
  return match ? decode(match[1].trim()) : null
}

function frames(block) {
  const list = []
  for (const [frame] of block.matchAll(/<frame>[\s\S]*?<\/frame>/g)) {
    const dir = field(frame, 'dir')
    const file = field(frame, 'file')
    list.push({
      fn: field(frame, 'fn') || '???',
      obj: field(frame, 'obj') || '',
      path: file ? (dir ? dir + '/' + file : file) : '',
      line: field(frame, 'line')
    })
  }
  return list
}

let ours = 0
let ignored = 0
const kinds = {}

for (const file of process.argv.slice(2)) {
  const xml = fs.readFileSync(file, 'utf8')

  for (const [block] of xml.matchAll(/<error>[\s\S]*?<\/error>/g)) {
    const kind = field(block, 'kind')
    const stack = frames(block)
    const mine = stack.some((frame) => OURS.test(frame.path) || OURS.test(frame.obj))

    // Leaks that are only possible or reachable are Bare's business; a
    // definite leak is ours when one of its frames is.
    if (!mine) {
      ignored++
      kinds[kind] = (kinds[kind] || 0) + 1
      continue
    }

    ours++
    const what = field(block, 'what') || field(block, 'text') || ''
    console.log(`\n${kind}: ${what.split('\n')[0]}`)
    for (const frame of stack.slice(0, 16)) {
      const where = frame.path ? `${frame.path}${frame.line ? ':' + frame.line : ''}` : frame.obj
      console.log(
        `    ${OURS.test(frame.path) || OURS.test(frame.obj) ? '>' : ' '} ${frame.fn}  ${where}`
      )
    }
  }
}

console.log(
  `\nvalgrind: ${ours} error(s) in the addon's frames, ${ignored} elsewhere ignored${
    ignored
      ? ' (' +
        Object.entries(kinds)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ') +
        ')'
      : ''
  }`
)
process.exit(ours > 0 ? 1 : 0)
