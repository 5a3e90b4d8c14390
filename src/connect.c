/*
 * The ways a socket becomes connected: connect (optionally after binding a
 * local address), open on a connected descriptor, adopt a descriptor that
 * bare-pipe moved into the handle, and socketpair for the descriptors such
 * transfers travel over.
 *
 * One connect attempt per handle. JavaScript resolves names and walks the
 * list of addresses, opening a new handle for each attempt, because a socket
 * whose connect failed cannot be connected again.
 *
 * A refusal the kernel reports at once is still delivered through the
 * callback by libuv, so JavaScript sees every connect failure the same way;
 * only a malformed request (a bad address, a handle in the wrong state)
 * throws.
 */

#include <assert.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcp.h"

static bool
bare_tcp__peer_may_differ(const bare_tcp_t *handle) {
  if (handle->peer.sa.sa_family == AF_INET) return handle->peer.in.sin_addr.s_addr == htonl(INADDR_ANY);
  if (handle->peer.sa.sa_family != AF_INET6) return false;
  const struct in6_addr *addr = &handle->peer.in6.sin6_addr;
  static const uint8_t any[4] = {0, 0, 0, 0};
  bool mapped_wildcard = IN6_IS_ADDR_V4MAPPED(addr) && memcmp(&addr->s6_addr[12], any, sizeof(any)) == 0;
  return handle->peer.in6.sin6_scope_id != 0 || IN6_IS_ADDR_UNSPECIFIED(addr) || mapped_wildcard;
}

static void
bare_tcp__on_connect(uv_connect_t *req, int status) {
  bare_tcp_t *handle = (bare_tcp_t *) req->handle;
  bare_tcp_module_t *module = handle->module;

  free(req);

  handle->state &= ~bare_tcp_state_connecting;

  if (status == 0) {
    handle->state |= bare_tcp_state_connected;
    handle->last_active = uv_now(module->loop);

    // The address as the kernel has it, as Node.js reports it, where it may
    // differ from the one asked for: a wildcard (0.0.0.0 reaches this host)
    // or a zone the kernel may drop (::1%lo is ::1). Other forms of a literal
    // are written out the same either way, and one system call per connect
    // is not free. What was asked for stays if the kernel cannot say.
    if (bare_tcp__peer_may_differ(handle)) {
      struct sockaddr_storage peer;
      int len = sizeof(peer);
      if (uv_tcp_getpeername(&handle->tcp, (struct sockaddr *) &peer, &len) == 0) {
        memcpy(&handle->peer, &peer, sizeof(handle->peer));
      }
    }
  } else {
    memset(&handle->peer, 0, sizeof(handle->peer));
  }

  if (module->exiting) return;

  bare_tcp__call_status(handle, module->on_connect, status, "connect");
}

/*
 * The (handle, ip, port) arguments of connect() and bind(), on a handle that
 * is not connected yet.
 */
static int
bare_tcp__parse_endpoint(js_env_t *env, bare_tcp_t *handle, size_t argc, js_value_t *argv[], struct sockaddr_storage *addr) {
  if (handle->state & (bare_tcp_state_connecting | bare_tcp_state_connected | bare_tcp_state_listening)) {
    bare_tcp__throw_code(env, "SOCKET_ALREADY_CONNECTED", "Socket is already connected");
    return -1;
  }

  uint32_t port;
  if (argc < 3 || !bare_tcp__get_uint32(env, argv[2], 65535, &port)) {
    bare_tcp__throw_code(env, "INVALID_PORT", "Port must be an integer between 0 and 65535");
    return -1;
  }

  return bare_tcp__parse_address(env, argv[1], port, addr);
}

/* connect(handle, ip, port) */
js_value_t *
bare_tcp_connect(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 3;
  js_value_t *argv[3];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (handle == NULL) return NULL;

  struct sockaddr_storage addr;
  err = bare_tcp__parse_endpoint(env, handle, argc, argv, &addr);
  if (err < -1) bare_tcp__throw(env, err, "connect");
  if (err < 0) return NULL;

  // A handle connects once, and most handles (accepted ones) never do, so
  // the request is not part of every handle.
  uv_connect_t *req = malloc(sizeof(uv_connect_t));
  if (req == NULL) {
    bare_tcp__throw(env, UV_ENOMEM, "connect");
    return NULL;
  }

  err = uv_tcp_connect(req, &handle->tcp, (struct sockaddr *) &addr, bare_tcp__on_connect);
  if (err < 0) {
    free(req);
    bare_tcp__throw(env, err, "connect");
    return NULL;
  }

  handle->state |= bare_tcp_state_connecting;
  memcpy(&handle->peer, &addr, sizeof(handle->peer));

  return NULL;
}

static uint16_t
bare_tcp__port(const struct sockaddr_storage *addr) {
  return ntohs(addr->ss_family == AF_INET6 ? ((const struct sockaddr_in6 *) addr)->sin6_port : ((const struct sockaddr_in *) addr)->sin_port);
}

/* UV_EADDRINUSE unless the handle is bound to `port`. */
static int
bare_tcp__check_bound(bare_tcp_t *handle, uint16_t port) {
  struct sockaddr_storage local;
  int len = sizeof(local);

  int err = uv_tcp_getsockname(&handle->tcp, (struct sockaddr *) &local, &len);
  if (err < 0) return err;

  return bare_tcp__port(&local) == port ? 0 : UV_EADDRINUSE;
}

/* bind(handle, ip, port): the local end of a connection about to be made. */
js_value_t *
bare_tcp_bind(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 3;
  js_value_t *argv[3];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (handle == NULL) return NULL;

  struct sockaddr_storage addr;
  err = bare_tcp__parse_endpoint(env, handle, argc, argv, &addr);
  if (err < -1) bare_tcp__throw(env, err, "bind");
  if (err < 0) return NULL;

  err = uv_tcp_bind(&handle->tcp, (struct sockaddr *) &addr, 0);

  // libuv keeps EADDRINUSE from bind() for the connect to report, where it
  // would read as a connect failure; a socket left unbound shows it now.
  if (err == 0 && bare_tcp__port(&addr) != 0) err = bare_tcp__check_bound(handle, bare_tcp__port(&addr));

  if (err < 0) {
    bare_tcp__throw(env, err, "bind");
    return NULL;
  }

  return NULL;
}

/* Marks a handle whose descriptor is already connected as connected. */
static void
bare_tcp__mark_connected(bare_tcp_t *handle, const struct sockaddr_storage *peer) {
  // A Unix domain peer has no address and port to keep, and TCP's options
  // do not apply to its socket, whether open() or an IPC transfer brought it.
  if (peer->ss_family == AF_INET || peer->ss_family == AF_INET6) {
    memcpy(&handle->peer, peer, sizeof(handle->peer));
  } else {
    memset(&handle->peer, 0, sizeof(handle->peer));
    if (peer->ss_family == AF_UNIX) handle->state |= bare_tcp_state_unix;
  }
  handle->state |= bare_tcp_state_connected;
  handle->last_active = uv_now(handle->module->loop);
}

/*
 * Marks a handle whose descriptor is already connected as connected, and
 * records its peer. Fails, leaving the state alone, when the descriptor is
 * not a connected TCP socket.
 */
static int
bare_tcp__adopt(bare_tcp_t *handle) {
  struct sockaddr_storage peer;
  int len = sizeof(peer);

  int err = uv_tcp_getpeername(&handle->tcp, (struct sockaddr *) &peer, &len);
  if (err < 0) return err;

  bare_tcp__mark_connected(handle, &peer);

  return 0;
}

/*
 * Checks that a descriptor is a connected stream socket, and learns its
 * peer, before libuv takes it over: once it does, closing the handle closes
 * the descriptor, which must not happen to one the caller still owns, so
 * nothing may fail after that. IPv4 and IPv6, and Unix domain sockets as
 * socketpair() makes them, which the published bare-tcp opens too.
 */
static bool
bare_tcp__is_connected_stream(int fd, struct sockaddr_storage *peer) {
  int type;
  socklen_t len = sizeof(type);

  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) return false;

  struct sockaddr_storage addr;
  len = sizeof(addr);

  if (getsockname(fd, (struct sockaddr *) &addr, &len) != 0) return false;
  if (addr.ss_family != AF_INET && addr.ss_family != AF_INET6 && addr.ss_family != AF_UNIX) return false;

  len = sizeof(*peer);
  return getpeername(fd, (struct sockaddr *) peer, &len) == 0;
}

/* open(handle, fd) */
js_value_t *
bare_tcp_open(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 2;
  js_value_t *argv[2];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (handle == NULL) return NULL;

  if (handle->state & (bare_tcp_state_connecting | bare_tcp_state_connected | bare_tcp_state_listening)) {
    bare_tcp__throw_code(env, "SOCKET_ALREADY_CONNECTED", "Socket is already connected");
    return NULL;
  }

  uint32_t fd;
  struct sockaddr_storage peer;
  if (argc < 2 || !bare_tcp__get_uint32(env, argv[1], INT32_MAX, &fd) || !bare_tcp__is_connected_stream((int) fd, &peer)) {
    bare_tcp__throw_code(env, "INVALID_FD", "File descriptor must be a connected stream socket");
    return NULL;
  }

  err = uv_tcp_open(&handle->tcp, (uv_os_sock_t) fd);
  if (err < 0) {
    bare_tcp__throw(env, err, "open");
    return NULL;
  }

  bare_tcp__mark_connected(handle, &peer);

  return NULL;
}

/* adopt(handle): the handle received a connected descriptor over IPC. */
js_value_t *
bare_tcp_adopt(js_env_t *env, js_callback_info_t *info) {
  size_t argc = 1;
  js_value_t *argv[1];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (handle == NULL) return NULL;

  int err = bare_tcp__adopt(handle);
  if (err < 0) {
    bare_tcp__throw(env, err, "getpeername");
    return NULL;
  }

  return NULL;
}

/* socketpair(): two connected descriptors, for handle passing with bare-pipe. */
js_value_t *
bare_tcp_socketpair(js_env_t *env, js_callback_info_t *info) {
  int err;

  (void) info;

  uv_os_sock_t fds[2];
  err = uv_socketpair(SOCK_STREAM, 0, fds, 0, 0);
  if (err < 0) {
    bare_tcp__throw(env, err, "socketpair");
    return NULL;
  }

  js_value_t *result;
  err = js_create_array_with_length(env, 2, &result);
  assert(err == 0);

  for (uint32_t i = 0; i < 2; i++) {
    js_value_t *fd;
    err = js_create_int32(env, fds[i], &fd);
    assert(err == 0);

    err = js_set_element(env, result, i, fd);
    assert(err == 0);
  }

  return result;
}
