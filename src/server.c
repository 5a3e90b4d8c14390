/*
 * Servers: bind and listen in one call, so that a failure of either throws
 * from listen() with the syscall that failed, and accept on JavaScript's
 * behalf.
 *
 * libuv accepts every pending connection per wake-up and calls on_connection
 * once for each; JavaScript answers each call by creating a Socket and
 * calling accept() with it, so an accepted connection is never without an
 * owner. A connection JavaScript does not accept (it declined, or threw) is
 * left in the kernel queue; libuv stops polling the listener until one is
 * accepted, which is why JavaScript must always accept or close.
 */

#include <assert.h>
#include <string.h>

#include "tcp.h"

static void
bare_tcp__on_connection(uv_stream_t *server, int status) {
  bare_tcp_t *handle = (bare_tcp_t *) server;

  if (handle->module->exiting) return;

  bare_tcp__call_status(handle, handle->module->on_connection, status, "accept", false);
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
  if (err < 0) return NULL;

  unsigned int flags = 0;
  if (ipv6_only && addr.ss_family == AF_INET6) flags |= UV_TCP_IPV6ONLY;
  if (reuse_port) flags |= UV_TCP_REUSEPORT;

  err = uv_tcp_bind(&handle->tcp, (struct sockaddr *) &addr, flags);
  if (err < 0) {
    bare_tcp__throw(env, err, "bind");
    return NULL;
  }

  err = uv_listen((uv_stream_t *) &handle->tcp, (int) backlog, bare_tcp__on_connection);
  if (err < 0) {
    bare_tcp__throw(env, err, "listen");
    return NULL;
  }

  handle->state |= bare_tcp_state_listening;

  return NULL;
}

/* accept(server, socket, readBufferSize): the handle of the new connection. */
js_value_t *
bare_tcp_accept(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 3;
  js_value_t *argv[3];

  bare_tcp_t *server = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (server == NULL) return NULL;

  bare_tcp_module_t *module = server->module;

  if (!(server->state & bare_tcp_state_listening)) {
    bare_tcp__throw_code(env, "SERVER_IS_CLOSED", "Server is not listening");
    return NULL;
  }

  uint32_t read_buffer_size;
  if (argc < 3 || !bare_tcp__get_uint32(env, argv[2], INT32_MAX, &read_buffer_size) || read_buffer_size == 0) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "Read buffer size must be an integer between 1 and 2147483647");
    return NULL;
  }

  bare_tcp_t *handle;
  js_value_t *result;
  err = bare_tcp__create(module, argv[1], read_buffer_size, &handle, &result);
  if (err < 0) {
    bare_tcp__throw(env, err, "accept");
    return NULL;
  }

  err = uv_accept((uv_stream_t *) &server->tcp, (uv_stream_t *) &handle->tcp);
  if (err < 0) {
    // The socket object never gets this handle, so it must not hear of its
    // close either.
    js_delete_reference(env, handle->ctx);
    handle->ctx = NULL;
    bare_tcp__close(handle, false);

    bare_tcp__throw(env, err, "accept");
    return NULL;
  }

  handle->state |= bare_tcp_state_connected;

  // Best effort: a peer that already reset leaves the address unknown, and
  // the connection then fails on its first read anyway.
  struct sockaddr_storage peer;
  int len = sizeof(peer);
  if (uv_tcp_getpeername(&handle->tcp, (struct sockaddr *) &peer, &len) == 0) {
    memcpy(&handle->peer, &peer, sizeof(handle->peer));
  }

  return result;
}
