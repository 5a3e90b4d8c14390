#ifndef BARE_TCP_H
#define BARE_TCP_H

/*
 * bare-tcp: one native handle per socket or server, driven from JavaScript.
 *
 * Error contract, the same in every file:
 *
 *   - A function JavaScript calls either succeeds or throws. Misuse (a closed
 *     handle, a call in the wrong state, a value of the wrong type) throws an
 *     error whose code is one of ours (SOCKET_IS_CLOSED, INVALID_ARGUMENT, ...).
 *     A libuv failure throws an error whose code is the libuv error name, with
 *     errno and syscall set.
 *   - An asynchronous failure arrives exactly once, as the error argument of
 *     the callback of the request that failed (connect, write, shutdown) or of
 *     the read callback. Requests still pending when a handle closes complete
 *     with UV_ECANCELED before the close callback: JavaScript sees every
 *     request end.
 *   - The JavaScript layer adds address and port to errors; C knows neither
 *     for a read or write, and the message format lives in one place there.
 *
 * Memory: a handle lives in a JavaScript ArrayBuffer, so that a stale handle
 * kept by JavaScript after close is still valid memory whose state says
 * "closed". While libuv owns the handle (from uv_tcp_init until the close
 * callback), the handle holds its ArrayBuffer's backing store, so the
 * garbage collector cannot free memory that libuv still links to, and
 * JavaScript's table of owners (lib/native.js) keeps the ArrayBuffer.
 */

#include <js.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct bare_tcp_module_s bare_tcp_module_t;
typedef struct bare_tcp_s bare_tcp_t;
typedef struct bare_tcp_listener_s bare_tcp_listener_t;
typedef struct bare_tcp_reads_s bare_tcp_reads_t;
typedef struct bare_tcp_write_s bare_tcp_write_t;
typedef struct bare_tcp_into_s bare_tcp_into_t;

/*
 * The state of a handle, as bits because a connected socket can be reading,
 * writing and ending at once. The lifecycle part is linear:
 *
 *   (init) -> connecting -> connected -> closing -> closed
 *   (init) -> listening -> closing -> closed
 *   (accept) -> connected -> closing -> closed
 *
 * reading, writing and ending describe requests in flight and are cleared by
 * their callbacks (with UV_ECANCELED when the handle closes first). Only
 * bare_tcp__close() sets closing, and only the close callback sets closed.
 */
enum {
  bare_tcp_state_connecting = 1 << 0,
  bare_tcp_state_connected = 1 << 1,
  bare_tcp_state_listening = 1 << 2,
  bare_tcp_state_reading = 1 << 3,
  bare_tcp_state_writing = 1 << 4,
  bare_tcp_state_ending = 1 << 5,
  bare_tcp_state_ended = 1 << 6,
  bare_tcp_state_closing = 1 << 7,
  bare_tcp_state_closed = 1 << 8,

  /* Set by resume() while a read callback runs. JavaScript drains its
   * microtasks before the callback returns, and those may ask for more data
   * after the callback decided to answer false; this bit keeps that request
   * from being undone. */
  bare_tcp_state_resumed = 1 << 9,

  /* The read side is over (the end of the stream, or a read error) though
   * JavaScript may not have heard yet: its batch is delivered later. A
   * resume() meanwhile has nothing to start, and libuv would refuse. */
  bare_tcp_state_read_done = 1 << 10,

  /* The socket has a read in the batch being gathered. */
  bare_tcp_state_batched = 1 << 11,

  /* on_alloc turned down a read because the socket's read_room was used up;
   * libuv reports that as UV_ENOBUFS, which is then no error. */
  bare_tcp_state_deferred = 1 << 12,

  /* Set by hold(), cleared before each call that hands reads to JavaScript
   * (and by resume()): a pause during the call, from a microtask or another
   * socket's listener, may come after this socket's answers were written,
   * and must not be undone by them. */
  bare_tcp_state_held = 1 << 13,

  /* end() came while a write was in flight: the shutdown starts once that
   * write has been called back (see bare_tcp_end). Set with ending. */
  bare_tcp_state_end_deferred = 1 << 14,

  /* The socket is a Unix domain one (socketpair()), taken by open() or over
   * IPC: TCP's options do not apply to it, and setting them does nothing, as
   * Node.js does for a pipe. */
  bare_tcp_state_unix = 1 << 15,
};

/*
 * Per JavaScript environment: each Bare thread loads the addon anew, so the
 * callbacks and the shared read buffer hang off the environment, never off C
 * globals.
 */
struct bare_tcp_module_s {
  js_env_t *env;
  uv_loop_t *loop;

  js_ref_t *on_connection;
  js_ref_t *on_connect;
  js_ref_t *on_read;
  js_ref_t *on_reads;
  js_ref_t *on_write;
  js_ref_t *on_end;
  js_ref_t *on_close;

  /* Numbers shared with JavaScript (read.c): a lone read's slab index,
   * offset, length and answer, then the owner of the handle each call into
   * JavaScript is for. JavaScript keeps the sockets and servers in a table
   * and finds the one a call is for by that number, so a call needs no
   * engine reference of its own: each lookup of one from a libuv callback
   * enters the engine anew. */
  uint32_t *lone;

  /* Reads land side by side in one ArrayBuffer, the slab, and reach
   * JavaScript as views of it: no copy and no allocation per read. libuv
   * calls alloc and read back to back for one handle at a time, so one slab
   * serves every socket of the loop, and idle sockets own no read memory. A
   * view JavaScript keeps alive keeps its slab alive, which bounds what a
   * retained chunk can cost to one slab. */
  js_ref_t *slab;
  /* Held while the slab is read into, so that its memory outlives an
   * ArrayBuffer the program detached (see bare_tcp_revive_slab). */
  js_arraybuffer_backing_store_t *slab_store;
  char *slab_data;
  size_t slab_len;
  size_t slab_used;

  /* Reads waiting for the check phase, to reach JavaScript together. */
  bare_tcp_reads_t *reads;

  /* Every handle libuv owns, so that teardown can close them all. */
  bare_tcp_t *handles;

  /* A descriptor held back for the moment the process runs out of them:
   * giving it up lets a server accept one pending connection at a time and
   * close it, instead of leaving the kernel queue full (see server.c). -1
   * until the first listen(), and while given up. */
  int reserve_fd;

  js_deferred_teardown_t *teardown;
  bool exiting;
};

/* Marks memory that bare_tcp__create initialised, so that an ArrayBuffer of
 * the right size that JavaScript made itself is refused as a handle. */
#define BARE_TCP_MAGIC 0x62746370 /* "btcp" */

/* A handle's owner number once JavaScript is not to hear of it again. */
#define BARE_TCP_NO_OWNER UINT32_MAX

/* Where in the module's shared numbers the owner of a call goes. */
#define BARE_TCP_LONE_OWNER 4
#define BARE_TCP_LONE_LEN 5

struct bare_tcp_s {
  uv_tcp_t tcp;

  uint32_t magic;

  /* How many more bytes the socket may read in this wake-up once it has a
   * read in the batch, as JavaScript last answered (read.c): libuv reads up
   * to 32 times per wake-up, and JavaScript hears of them only after.
   * BARE_TCP_READ_ON when its reads reach a consumer as they come. */
  uint32_t read_room;

  /* Where bare_tcp__create made the handle. A byte copy of a handle
   * (ArrayBuffer.prototype.slice(), or a structured clone into another
   * thread's data) keeps the original's address here and is refused: libuv
   * would run on a copy of a uv_tcp_t linked into a loop. */
  bare_tcp_t *origin;

  /* The write the kernel did not take whole, while it is in flight; NULL
   * otherwise. Most writes complete during the call, so the request and the
   * memory it pins are allocated only then, not carried by every socket. */
  bare_tcp_write_t *write;

  bare_tcp_module_t *module;

  /* The number of the socket or server this handle is for in JavaScript's
   * table, or BARE_TCP_NO_OWNER once nothing is to hear of it. */
  uint32_t owner;

  /* The handle's own memory, held until the close callback: the ArrayBuffer
   * JavaScript holds can be detached (transfer()), and the memory would then
   * go with whatever took it over while libuv still uses it. */
  js_arraybuffer_backing_store_t *store;

  uint32_t state;
  uint32_t read_buffer_size;

  /* Loop time of the last read or write, for idle timeouts that never touch
   * a timer on the data path. */
  uint64_t last_active;

  /* The peer, recorded when the connection is made: after a reset the
   * kernel no longer knows it, and errors still have to name it. A family
   * of 0 means unknown. */
  union {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
  } peer;

  /* Counters JavaScript reads for bytesRead and bytesWritten. */
  uint64_t bytes_read;
  uint64_t bytes_written;

  /* Servers only: their accept loop (server.c). */
  bare_tcp_listener_t *listener;

  /* Sockets with the onread option only: the program's buffer that every
   * read goes into (read.c). */
  bare_tcp_into_t *into;

  bare_tcp_t *prev;
  bare_tcp_t *next;
};

/*
 * A buffer of the program's own that a socket reads into, each read handed
 * over before the next is made. The backing store keeps the memory alive if
 * the program detaches the buffer meanwhile.
 */
struct bare_tcp_into_s {
  js_ref_t *ref;
  js_arraybuffer_backing_store_t *store;
  char *data;
  size_t len;
};

struct bare_tcp_write_s {
  uv_write_t req;

  /* Bytes the kernel has not taken yet. */
  size_t pending_len;

  /* libuv's write queue when the idle timeout last looked: a queue that
   * shrank since is a write making progress, which is activity. */
  size_t queue_seen;

  /* The memory of those bytes. Holding the backing stores, not just the
   * buffers, keeps the bytes alive even if JavaScript detaches a buffer
   * (ArrayBuffer.prototype.transfer) while the kernel has not taken it. */
  js_arraybuffer_backing_store_t **stores;
  js_arraybuffer_backing_store_t *stores_small[4];
  uint32_t stores_len;
};

/*
 * The accept loop of a listening server. It lives apart from its handle
 * because only servers need it, and because its libuv handles close after
 * the server's own close callback may already have released the handle.
 */
struct bare_tcp_listener_s {
  uv_poll_t poll;

  /* Restarts polling after the loop had to back off: out of descriptors
   * with no reserve left, or an accept error that would repeat at once. */
  uv_timer_t backoff;

  bare_tcp_t *server;

  /* The connection accepted and offered to JavaScript, which takes it with
   * accept(); -1 between offers. */
  int pending_fd;
  union {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
  } pending_peer;

  /* libuv handles of the listener still to be closed before it is freed. */
  int open_handles;
};

/* helpers.c: errors and calls into JavaScript. */

js_value_t *
bare_tcp__error(js_env_t *env, int status, const char *syscall);

void
bare_tcp__throw(js_env_t *env, int status, const char *syscall);

/* As bare_tcp__throw, the message saying what went wrong too, as Node.js
 * words a failed listen. */
void
bare_tcp__throw_described(js_env_t *env, int status, const char *syscall);

void
bare_tcp__throw_code(js_env_t *env, const char *code, const char *message);

bool
bare_tcp__get_uint32(js_env_t *env, js_value_t *value, uint32_t max, uint32_t *result);

bool
bare_tcp__get_bool(js_env_t *env, js_value_t *value, bool *result);

/* Calls callback for the handle's owner (its number in the shared numbers);
 * non-zero when the call failed (it threw, or Bare.exit() ended it). */
int
bare_tcp__call(bare_tcp_t *handle, js_ref_t *callback, size_t argc, js_value_t *argv[], js_value_t **result);

/* Calls callback(err) in a handle scope of its own, with no argument for a
 * status of 0 and an error for the syscall otherwise; returns what
 * bare_tcp__call does. */
int
bare_tcp__call_status(bare_tcp_t *handle, js_ref_t *callback, int status, const char *syscall);

/* handle.c: the lifecycle. */

bare_tcp_module_t *
bare_tcp__module_create(js_env_t *env);

/* The handle an ArrayBuffer from bare_tcp__create holds, or NULL for any
 * other value; throws nothing, so typed functions can use it. */
bare_tcp_t *
bare_tcp__handle(js_env_t *env, js_value_t *value);

bare_tcp_t *
bare_tcp__unwrap(js_env_t *env, js_value_t *value);

bare_tcp_t *
bare_tcp__unwrap_open(js_env_t *env, js_value_t *value);

/* The handle in argv[0], refusing a closed one when open_only is set. */
bare_tcp_t *
bare_tcp__unwrap_args(js_env_t *env, js_callback_info_t *info, size_t *argc, js_value_t *argv[], bool open_only);

bool
bare_tcp__check_connected(js_env_t *env, bare_tcp_t *handle);

int
bare_tcp__create(bare_tcp_module_t *module, uint32_t owner, uint32_t read_buffer_size, bare_tcp_t **result, js_value_t **value);

void
bare_tcp__close(bare_tcp_t *handle, bool reset);

js_value_t *
bare_tcp_setup(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_init(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_close(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_ipc_handle(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_ref(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_idle(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_last_active(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_close_owned_by(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_counters(js_env_t *env, js_callback_info_t *info);

/* read.c: reading, batched per loop iteration. */

int
bare_tcp__reads_init(bare_tcp_module_t *module);

void
bare_tcp__reads_close(bare_tcp_module_t *module);

/* The buffer a lone read's numbers are written to, for setup() to hand to
 * JavaScript; NULL with an exception pending when it cannot be made. */
js_value_t *
bare_tcp__reads_setup(bare_tcp_module_t *module);

/* Undoes bare_tcp__reads_setup() when setup() fails after it. */
void
bare_tcp__reads_unset(bare_tcp_module_t *module);

/* JavaScript's answer to a read (lib/socket.js), also a socket's read_room:
 * full (stop reading), read on (no limit), or else the bytes it has room
 * for. */
#define BARE_TCP_READ_FULL 0
#define BARE_TCP_READ_ON UINT32_MAX

/* The slab index of a lone read that went into the socket's own buffer
 * (readInto()); all ones is the end of the stream. */
#define BARE_TCP_READ_INTO (UINT32_MAX - 1)

/* Lets go of a socket's own read buffer, when its handle closes. */
void
bare_tcp__into_release(bare_tcp_t *handle);

js_value_t *
bare_tcp_read_into(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_resume(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_hold(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_revive_slab(js_env_t *env, js_callback_info_t *info);

/* stream.c: writing, shutdown. */

js_value_t *
bare_tcp_writev(js_env_t *env, js_callback_info_t *info);

/* What write() answers when the call needs writev(): never a libuv error
 * nor a byte count. */
#define BARE_TCP_WRITE_SLOW INT32_MIN

js_value_t *
bare_tcp_write(js_env_t *env, js_callback_info_t *info);

int32_t
bare_tcp_write_typed(js_value_t *receiver, js_value_t *handle, js_value_t *chunk, js_typed_callback_info_t *info);

js_value_t *
bare_tcp_write_error(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_end(js_env_t *env, js_callback_info_t *info);

/* connect.c: the ways a socket becomes connected. */

js_value_t *
bare_tcp_bind(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_connect(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_open(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_adopt(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_socketpair(js_env_t *env, js_callback_info_t *info);

/* options.c: socket options and kernel statistics. */

js_value_t *
bare_tcp_keepalive(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_nodelay(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_user_timeout(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_buffer_sizes(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_sockopts(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_info(js_env_t *env, js_callback_info_t *info);

/* server.c */

js_value_t *
bare_tcp_listen(js_env_t *env, js_callback_info_t *info);

/* Stops accepting and releases the listener; the server's own handle is
 * closed by the caller. */
void
bare_tcp__listener_close(bare_tcp_listener_t *listener);

void
bare_tcp__listener_ref(bare_tcp_listener_t *listener, bool keep);

js_value_t *
bare_tcp_accept(js_env_t *env, js_callback_info_t *info);

/* address.c */

int
bare_tcp__parse_address(js_env_t *env, js_value_t *host, uint32_t port, struct sockaddr_storage *result);

js_value_t *
bare_tcp_sockname(js_env_t *env, js_callback_info_t *info);

js_value_t *
bare_tcp_peername(js_env_t *env, js_callback_info_t *info);

#endif
