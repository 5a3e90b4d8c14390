declare const constants: {
  /** The state bits of sockets and servers, one bit each. */
  state: {
    CONNECTING: number
    CONNECTED: number
    BINDING: number
    BOUND: number
    READING: number
    CLOSING: number
    CLOSED: number
    UNREFED: number
  }
  address: {
    /** The longest IP literal the addon takes: an IPv6 address with a zone id. */
    MAX_LENGTH: number
  }
  defaults: {
    READ_BUFFER_SIZE: number
    READABLE_HIGH_WATER_MARK: number
    WRITABLE_HIGH_WATER_MARK: number
    BACKLOG: number
  }
}

export = constants
