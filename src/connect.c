/*
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

#include "tcp.h"

static void
bare_tcp__on_connect(uv_connect_t *req, int status) {
  int err;

  bare_tcp_t *handle = (bare_tcp_t *) req->handle;
  bare_tcp_module_t *module = handle->module;
  js_env_t *env = module->env;

  handle->state &= ~bare_tcp_state_connecting;

  if (status == 0) {
    handle->state |= bare_tcp_state_connected;
    handle->last_active = uv_now(module->loop);
  }

  if (module->exiting) return;

  js_handle_scope_t *scope;
  err = js_open_handle_scope(env, &scope);
  assert(err == 0);

  js_value_t *argv[2];

  err = js_get_reference_value(env, handle->self, &argv[0]);
  assert(err == 0);

  if (status < 0) {
    argv[1] = bare_tcp__error(env, status, "connect");
  } else {
    err = js_get_null(env, &argv[1]);
    assert(err == 0);
  }

  bare_tcp__call(handle, module->on_connect, 2, argv, NULL);

  err = js_close_handle_scope(env, scope);
  assert(err == 0);
}

/* connect(handle, ip, port) */
js_value_t *
bare_tcp_connect(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 3;
  js_value_t *argv[3];

  err = js_get_callback_info(env, info, &argc, argv, NULL, NULL);
  assert(err == 0);

  bare_tcp_t *handle = argc ? bare_tcp__unwrap_open(env, argv[0]) : NULL;
  if (handle == NULL) return NULL;

  if (handle->state & (bare_tcp_state_connecting | bare_tcp_state_connected | bare_tcp_state_listening)) {
    bare_tcp__throw_code(env, "SOCKET_ALREADY_CONNECTED", "Socket is already connected");
    return NULL;
  }

  uint32_t port;
  if (argc < 3 || !bare_tcp__get_uint32(env, argv[2], 65535, &port)) {
    bare_tcp__throw_code(env, "INVALID_PORT", "Port must be an integer between 0 and 65535");
    return NULL;
  }

  struct sockaddr_storage addr;
  err = bare_tcp__parse_address(env, argv[1], port, &addr);
  if (err < 0) return NULL;

  err = uv_tcp_connect(&handle->connect, &handle->tcp, (struct sockaddr *) &addr, bare_tcp__on_connect);
  if (err < 0) {
    bare_tcp__throw(env, err, "connect");
    return NULL;
  }

  handle->state |= bare_tcp_state_connecting;

  return NULL;
}
