// The addon, with its callbacks registered once for this JavaScript
// environment, so one set of functions serves every handle.

const binding = require('../binding')

const END = 0xffffffff
// A read into the socket's own buffer (the onread option).
const INTO = 0xfffffffe

// Where in the shared numbers (`lone`, below) the addon names the owner of
// each call, and how many numbers a read of a batch has.
const OWNER = 4
const STRIDE = 5

// The sockets and servers that own handles, by number, and the handle of
// each. The addon names a handle's owner by its number: finding an object
// it holds a reference to costs a call into the engine from outside
// JavaScript, a number costs nothing. A number is given out again once its
// handle has closed (onclose is the last call for it).
const owners = []
const handles = []
const unused = []

function own(owner) {
  const id = unused.length > 0 ? unused.pop() : owners.length
  owners[id] = owner
  return id
}

function disown(id) {
  owners[id] = handles[id] = null
  unused.push(id)
}

let readMeta = null
let readView = null

// A lone read: the addon writes its slab index (all ones at the end of the
// stream, INTO for a read into the socket's own buffer), offset and length
// here, and passes the slab only when it is not
// the one last passed. The socket's answer (see Socket#_onread) goes in the
// fourth.
let loneSlab = null

// Counts the addon's calls into JavaScript: a socket with noDelay writes at
// once only the first time in each (lib/socket.js, _sendNow). Wrapping at
// 32 bits keeps it a small integer; a socket that meets the same count again
// after 2^32 calls only has its write corked.
const turn = { count: 0 }

function nextTurn() {
  if (laterAt < later.length) deliverAllLater()
  turn.count = (turn.count + 1) | 0
}

// Between two reads of a socket Node.js runs the microtasks the first one
// queued, so that a pause() or destroy() in one of them holds back the next
// read. A batch (onreads) hands each socket its first read at once and the
// socket's later reads of the batch one per microtask, each queued after the
// microtasks the read before it queued (not after those that these queue in
// turn: only the addon could wait for the queue to empty, with a call per
// read). Six entries per read: the socket, the batch's slabs, the slab
// index, offset, length, and where its answer goes. The engine runs them
// before the addon's call returns, so the answers still count (the addon
// sets every answer afresh before a call, so a late one changes nothing);
// should one be left over, the next call delivers it first.
const later = []
let laterAt = 0

function deliverLater() {
  // A delivery that never finished was cut short by Bare.exit(), which still
  // runs the microtasks queued before it: nothing more reaches the program.
  if (handing) later.length = laterAt = 0

  if (laterAt === later.length) return
  const at = laterAt
  laterAt += 6
  try {
    readView[later[at + 5] + 3] = handOver(
      later[at],
      later[at + 1],
      later[at + 2],
      later[at + 3],
      later[at + 4]
    )
  } finally {
    later[at] = later[at + 1] = null
    if (laterAt < later.length) queueMicrotask(deliverLater)
    else later.length = laterAt = 0
  }
}

function deliverAllLater() {
  while (laterAt < later.length) {
    const at = laterAt
    laterAt += 6
    handOver(later[at], later[at + 1], later[at + 2], later[at + 3], later[at + 4])
  }
  later.length = laterAt = 0
}

// Set while a read is being handed over. Bare.exit() ends the program's
// JavaScript where it is, skipping catch and finally blocks, so the flag
// stays set.
let handing = false

// One read of a batch, at once or later: one code path for both, so that
// the engine optimises it early.
function handOver(socket, slabs, index, offset, length) {
  handing = true
  try {
    return handOverRead(socket, slabs, index, offset, length)
  } finally {
    handing = false
  }
}

function handOverRead(socket, slabs, index, offset, length) {
  if (index === END) return socket._onread(null, null, 0, 0)

  const slab = (slabs[index] = usable(slabs[index]))
  if (slab === null) return socket._onread(SLAB_LOST(), null, 0, 0)

  return socket._onread(null, slab, offset, length)
}

// Each callback reads its owner's number first: a call it makes into the
// addon may call back into JavaScript and overwrite it. A status is an
// error, or nothing for success.
const lone = new Uint32Array(
  binding.setup(
    function onconnection(err) {
      const owner = owners[lone[OWNER]]
      nextTurn()
      owner._onconnection(err === undefined ? null : err)
    },
    function onconnect(err) {
      const id = lone[OWNER]
      nextTurn()
      owners[id]._onconnect(handles[id], err === undefined ? null : err)
    },
    function onread(slab, err) {
      const owner = owners[lone[OWNER]]
      nextTurn()
      if (err !== undefined) {
        owner._onread(err, null, 0, 0)
        return
      }

      if (lone[0] === INTO) {
        lone[3] = owner._onreadInto(lone[2])
        return
      }

      if (slab !== undefined) loneSlab = slab

      let data = null
      if (lone[0] !== END) {
        data = loneSlab = usable(loneSlab)
        if (data === null) {
          lone[3] = owner._onread(SLAB_LOST(), null, 0, 0)
          return
        }
      }

      lone[3] = owner._onread(null, data, lone[1], lone[2])
    },
    // Every read of one loop iteration: the slabs they point into, and in
    // meta five numbers per read: the index of its slab (all ones at the end
    // of the stream), its offset, its length, the socket's answer, written
    // here, and the socket's number.
    function onreads(slabs, meta, count) {
      nextTurn()
      if (meta !== readMeta) {
        readMeta = meta
        readView = new Uint32Array(meta)
      }

      const view = readView

      for (let i = 0, j = 0, previous = -1; i < count; i++, j += STRIDE) {
        const id = view[j + OWNER]
        const socket = owners[id]
        // A socket's reads of one batch are next to each other.
        if (id === previous) {
          if (later.length === 0) queueMicrotask(deliverLater)
          later.push(socket, slabs, view[j], view[j + 1], view[j + 2], j)
        } else {
          view[j + 3] = handOver(socket, slabs, view[j], view[j + 1], view[j + 2])
        }
        previous = id
      }
    },
    function onwrite(err) {
      const owner = owners[lone[OWNER]]
      nextTurn()
      owner._onwrite(err === undefined ? null : err)
    },
    function onend(err) {
      const owner = owners[lone[OWNER]]
      nextTurn()
      owner._onend(err === undefined ? null : err)
    },
    function onclose() {
      const id = lone[OWNER]
      const owner = owners[id]
      const handle = handles[id]
      disown(id)
      nextTurn()
      owner._onclose(handle)
    }
  )
)

// The addon's handle makers take the owner's number; these take the owner.
const init = binding.init
const accept = binding.accept
const closeOwnedBy = binding.closeOwnedBy

binding.init = function (owner, readBufferSize) {
  const id = own(owner)
  try {
    return (handles[id] = init(id, readBufferSize))
  } catch (err) {
    disown(id)
    throw err
  }
}

binding.accept = function (server, owner, readBufferSize) {
  const id = own(owner)
  try {
    return (handles[id] = accept(server, id, readBufferSize))
  } catch (err) {
    disown(id)
    throw err
  }
}

// A slab is never empty: one of byte length 0 was detached by the program
// (chunk.buffer.transfer(), say), and the addon gives its memory a new
// ArrayBuffer. Null if it cannot, which only a bug in the addon would cause.
function usable(slab) {
  if (slab.byteLength !== 0) return slab

  try {
    return binding.reviveSlab(slab)
  } catch {
    return null
  }
}

function SLAB_LOST() {
  const err = new Error('The read buffer was detached and could not be recovered')
  err.code = 'EFAULT'
  return err
}

binding.turn = turn

// Closes the handle of `owner` (a socket or a server); false if there was
// none to close. A handle ArrayBuffer the program detached (transfer()) can
// no longer name its handle, but its owner still can.
binding.closeHandle = function closeHandle(handle, owner, reset) {
  try {
    binding.close(handle, reset)
    return true
  } catch {
    let closed = 0
    for (let id = 0; id < owners.length; id++) {
      if (owners[id] === owner) closed += closeOwnedBy(id, reset)
    }
    return closed > 0
  }
}

module.exports = binding
