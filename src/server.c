/*
 * Servers: the listening socket is made here (socket, bind, listen in one
 * call, so that a failure of any throws from listen() with the syscall that
 * failed), and connections are accepted by a loop of our own rather than
 * libuv's.
 *
 * libuv's accept loop copes with a full descriptor table by quietly
 * accepting and closing connections on a reserve descriptor, and never tells
 * the server. Ours does the same shedding, so that the kernel queue does not
 * stay full, but reports it: the server gets an 'error' event with EMFILE or
 * ENFILE and keeps listening.
 *
 * The loop takes every pending connection per wake-up. Each is offered to
 * JavaScript through on_connection, which answers by creating a Socket and
 * calling accept() with it; a connection JavaScript does not take (it
 * declined, or threw) is closed once the callback returns, so the queue
 * never stalls on it.
 */

// accept4, which takes the flags of the new descriptor in the same call.
#define _GNU_SOURCE

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcp.h"

/* How long a server stops accepting after an error that would repeat at
 * once if retried, such as running out of descriptors with none in reserve. */
#define BARE_TCP_ACCEPT_BACKOFF_MS 250

static void
bare_tcp__reserve(bare_tcp_module_t *module) {
  if (module->reserve_fd >= 0) return;

  module->reserve_fd = open("/", O_RDONLY | O_CLOEXEC);
}

static void
bare_tcp__report(bare_tcp_listener_t *listener, int status) {
  bare_tcp_t *server = listener->server;

  bare_tcp__call_status(server, server->module->on_connection, status, "accept");
}

static void
bare_tcp__on_backoff(uv_timer_t *timer);

/* Stops polling for a while; the timer starts it again. */
static void
bare_tcp__back_off(bare_tcp_listener_t *listener) {
  int err = uv_poll_stop(&listener->poll);
  assert(err == 0);

  err = uv_timer_start(&listener->backoff, bare_tcp__on_backoff, BARE_TCP_ACCEPT_BACKOFF_MS, 0);
  assert(err == 0);
}

/*
 * Out of descriptors: give up the reserve, and use the one free slot to
 * accept and close every pending connection, so that their peers learn at
 * once instead of waiting in a queue nobody can serve. Returns false when
 * there was no reserve to give up.
 */
static bool
bare_tcp__shed(bare_tcp_listener_t *listener, int fd) {
  bare_tcp_module_t *module = listener->server->module;

  if (module->reserve_fd < 0) return false;

  close(module->reserve_fd);
  module->reserve_fd = -1;

  for (;;) {
    int connection = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

    if (connection >= 0) {
      close(connection);
    } else if (errno != EINTR && errno != ECONNABORTED) {
      break;
    }
  }

  bare_tcp__reserve(module);

  return true;
}

/*
 * Errors that Linux passes on from a connection that failed before it was
 * accepted: that connection is gone, the next one may be fine.
 */
static bool
bare_tcp__is_connection_error(int error) {
  switch (error) {
  case ECONNABORTED:
  case EPROTO:
  case ENOPROTOOPT:
  case ENETDOWN:
  case ENETUNREACH:
  case EHOSTDOWN:
  case EHOSTUNREACH:
  case EOPNOTSUPP:
#ifdef ENONET
  case ENONET:
#endif
    return true;
  default:
    return false;
  }
}

static void
bare_tcp__accept_all(bare_tcp_listener_t *listener) {
  bare_tcp_t *server = listener->server;

  uv_os_fd_t fd;
  int err = uv_fileno((uv_handle_t *) &server->tcp, &fd);
  assert(err == 0);

  for (;;) {
    socklen_t len = sizeof(listener->pending_peer);

    int connection = accept4(fd, &listener->pending_peer.sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (connection < 0) {
      int error = errno;

      if (error == EAGAIN || error == EWOULDBLOCK) return;
      if (error == EINTR || bare_tcp__is_connection_error(error)) continue;

      bool shed = (error == EMFILE || error == ENFILE) && bare_tcp__shed(listener, fd);

      if (!shed) bare_tcp__back_off(listener);

      bare_tcp__report(listener, uv_translate_sys_error(error));
      return;
    }

    listener->pending_fd = connection;

    err = bare_tcp__call_status(server, server->module->on_connection, 0, "accept");

    if (listener->pending_fd >= 0) {
      close(listener->pending_fd);
      listener->pending_fd = -1;
    }

    // The callback closed the server, or the environment is going away. A
    // call that failed (it threw, or Bare.exit() ended it) ends the batch
    // too: the next wake-up takes the rest, unless the loop has stopped.
    if (err != 0 || listener->server == NULL || server->module->exiting) return;
  }
}

static void
bare_tcp__on_readable(uv_poll_t *poll, int status, int events) {
  (void) events;

  bare_tcp_listener_t *listener = poll->data;

  if (listener->server->module->exiting) return;

  if (status < 0) {
    bare_tcp__back_off(listener);
    bare_tcp__report(listener, status);
    return;
  }

  bare_tcp__accept_all(listener);
}

static void
bare_tcp__on_backoff(uv_timer_t *timer) {
  bare_tcp_listener_t *listener = timer->data;

  bare_tcp__reserve(listener->server->module);

  int err = uv_poll_start(&listener->poll, UV_READABLE, bare_tcp__on_readable);
  if (err < 0) bare_tcp__report(listener, err);
}

static void
bare_tcp__on_listener_close(uv_handle_t *handle) {
  bare_tcp_listener_t *listener = handle->data;

  if (--listener->open_handles == 0) free(listener);
}

void
bare_tcp__listener_close(bare_tcp_listener_t *listener) {
  listener->server = NULL;

  if (listener->pending_fd >= 0) {
    close(listener->pending_fd);
    listener->pending_fd = -1;
  }

  uv_close((uv_handle_t *) &listener->poll, bare_tcp__on_listener_close);
  uv_close((uv_handle_t *) &listener->backoff, bare_tcp__on_listener_close);
}

void
bare_tcp__listener_ref(bare_tcp_listener_t *listener, bool keep) {
  uv_handle_t *handles[] = {(uv_handle_t *) &listener->poll, (uv_handle_t *) &listener->backoff};

  for (size_t i = 0; i < 2; i++) {
    if (keep)
      uv_ref(handles[i]);
    else
      uv_unref(handles[i]);
  }
}

/*
 * The listening socket, made by hand because uv_tcp_bind defers EADDRINUSE
 * to uv_listen, which we do not call. Returns the descriptor or a libuv
 * error. As in Node.js, whichever call fails, the error is listen's: code
 * that matches on "listen EADDRINUSE" or "listen EACCES" should keep working.
 */
static int
bare_tcp__listen_socket(const struct sockaddr_storage *addr, int backlog, bool ipv6_only, bool reuse_port) {
  int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return uv_translate_sys_error(errno);

  int on = 1;

  // A restarted server must be able to take its port back while the old
  // connections linger in TIME_WAIT.
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0) goto failed;

  if (ipv6_only && addr->ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) < 0) goto failed;

  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0) goto failed;

  socklen_t len = addr->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);

  if (bind(fd, (const struct sockaddr *) addr, len) < 0) goto failed;

  if (listen(fd, backlog) < 0) goto failed;

  return fd;

failed:;
  int error = errno;
  close(fd);
  return uv_translate_sys_error(error);
}

static int
bare_tcp__listener_start(bare_tcp_t *server, int fd) {
  int err;

  bare_tcp_listener_t *listener = calloc(1, sizeof(bare_tcp_listener_t));
  if (listener == NULL) return UV_ENOMEM;

  listener->server = server;
  listener->pending_fd = -1;

  err = uv_timer_init(server->module->loop, &listener->backoff);
  if (err < 0) {
    free(listener);
    return err;
  }

  listener->backoff.data = listener;
  listener->open_handles = 1;

  err = uv_poll_init(server->module->loop, &listener->poll, fd);
  if (err < 0) {
    uv_close((uv_handle_t *) &listener->backoff, bare_tcp__on_listener_close);
    return err;
  }

  listener->poll.data = listener;
  listener->open_handles = 2;

  err = uv_poll_start(&listener->poll, UV_READABLE, bare_tcp__on_readable);
  if (err < 0) {
    listener->server = NULL;
    bare_tcp__listener_close(listener);
    return err;
  }

  server->listener = listener;

  return 0;
}

/* listen(handle, ip, port, backlog, ipv6Only, reusePort) */
js_value_t *
bare_tcp_listen(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 6;
  js_value_t *argv[6];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (handle == NULL) return NULL;

  if (handle->state & (bare_tcp_state_connecting | bare_tcp_state_connected | bare_tcp_state_listening)) {
    bare_tcp__throw_code(env, "SERVER_ALREADY_LISTENING", "Server is already listening");
    return NULL;
  }

  uint32_t port, backlog;
  bool ipv6_only = false, reuse_port = false;

  if (argc < 6 || !bare_tcp__get_uint32(env, argv[2], 65535, &port)) {
    bare_tcp__throw_code(env, "INVALID_PORT", "Port must be an integer between 0 and 65535");
    return NULL;
  }

  if (!bare_tcp__get_uint32(env, argv[3], INT32_MAX, &backlog) || !bare_tcp__get_bool(env, argv[4], &ipv6_only) || !bare_tcp__get_bool(env, argv[5], &reuse_port)) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "listen() takes a backlog and two flags");
    return NULL;
  }

  struct sockaddr_storage addr;
  err = bare_tcp__parse_address(env, argv[1], port, &addr);
  if (err < -1) bare_tcp__throw_described(env, err, "listen");
  if (err < 0) return NULL;

  int fd = bare_tcp__listen_socket(&addr, (int) backlog, ipv6_only, reuse_port);
  if (fd < 0) {
    bare_tcp__throw_described(env, fd, "listen");
    return NULL;
  }

  err = uv_tcp_open(&handle->tcp, fd);
  if (err < 0) {
    close(fd);
    bare_tcp__throw_described(env, err, "listen");
    return NULL;
  }

  // From here the handle owns the descriptor and closes it with itself.

  err = bare_tcp__listener_start(handle, fd);
  if (err < 0) {
    bare_tcp__throw_described(env, err, "listen");
    return NULL;
  }

  bare_tcp__reserve(handle->module);

  handle->state |= bare_tcp_state_listening;

  return NULL;
}

/* accept(server, socket, readBufferSize): the handle of the connection the
 * server is offering, which only exists during on_connection. */
js_value_t *
bare_tcp_accept(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 3;
  js_value_t *argv[3];

  bare_tcp_t *server = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (server == NULL) return NULL;

  if (!(server->state & bare_tcp_state_listening)) {
    bare_tcp__throw_code(env, "SERVER_IS_CLOSED", "Server is not listening");
    return NULL;
  }

  uint32_t read_buffer_size;
  if (argc < 3 || !bare_tcp__get_uint32(env, argv[2], INT32_MAX, &read_buffer_size) || read_buffer_size == 0) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "Read buffer size must be an integer between 1 and 2147483647");
    return NULL;
  }

  uint32_t owner;
  if (!bare_tcp__get_uint32(env, argv[1], BARE_TCP_NO_OWNER - 1, &owner)) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "accept() takes an owner number");
    return NULL;
  }

  bare_tcp_listener_t *listener = server->listener;

  if (listener->pending_fd < 0) {
    bare_tcp__throw(env, UV_EAGAIN, "accept");
    return NULL;
  }

  bare_tcp_t *handle;
  js_value_t *result;
  err = bare_tcp__create(server->module, owner, read_buffer_size, &handle, &result);
  if (err < 0) {
    bare_tcp__throw(env, err, "accept");
    return NULL;
  }

  err = uv_tcp_open(&handle->tcp, listener->pending_fd);
  if (err < 0) {
    // The socket object never gets this handle, so it must not hear of its
    // close either. The connection itself stays pending, and the accept
    // loop closes it.
    handle->owner = BARE_TCP_NO_OWNER;
    bare_tcp__close(handle, false);

    bare_tcp__throw(env, err, "accept");
    return NULL;
  }

  listener->pending_fd = -1;

  handle->state |= bare_tcp_state_connected;

  memcpy(&handle->peer, &listener->pending_peer, sizeof(handle->peer));

  return result;
}
