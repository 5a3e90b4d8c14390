module.exports = {
  // The JavaScript side of a socket's or server's state, one bit each.
  state: {
    CONNECTING: 0x1,
    CONNECTED: 0x2,
    BINDING: 0x4,
    BOUND: 0x8,
    READING: 0x10,
    CLOSING: 0x20,
    CLOSED: 0x40,
    UNREFED: 0x80
  },
  address: {
    // The longest IP literal the addon takes: an IPv6 address with a zone id.
    MAX_LENGTH: 64
  },
  defaults: {
    READ_BUFFER_SIZE: 65536,
    // As Node.js 22 and later: a writer of small chunks hands the kernel
    // 64 KiB at a time. Reads keep the stream's 16 KiB.
    READABLE_HIGH_WATER_MARK: 16384,
    WRITABLE_HIGH_WATER_MARK: 65536,
    BACKLOG: 511
  }
}
