/*
 * The helpers every other file uses: create a JavaScript error from a
 * libuv status, throw one, and call a JavaScript callback for a handle's
 * owner. Keeping them here leaves one place that decides the shape of an
 * error.
 */

#include <assert.h>
#include <stdio.h>

#include "tcp.h"

/* Node.js words its errors two ways: "connect ECONNREFUSED" for a
 * connection, and with what went wrong for a listen: "listen EADDRINUSE:
 * address already in use". Programs match on both. */
static js_value_t *
bare_tcp__create_error(js_env_t *env, int status, const char *syscall, bool described) {
  int err;

  const char *name = uv_err_name(status);

  char message[256];
  if (described) {
    snprintf(message, sizeof(message), "%s %s: %s", syscall, name, uv_strerror(status));
  } else {
    snprintf(message, sizeof(message), "%s %s", syscall, name);
  }

  js_value_t *code_value;
  err = js_create_string_utf8(env, (const utf8_t *) name, -1, &code_value);
  assert(err == 0);

  js_value_t *message_value;
  err = js_create_string_utf8(env, (const utf8_t *) message, -1, &message_value);
  assert(err == 0);

  js_value_t *error;
  err = js_create_error(env, code_value, message_value, &error);
  assert(err == 0);

  js_value_t *errno_value;
  err = js_create_int32(env, status, &errno_value);
  assert(err == 0);

  err = js_set_named_property(env, error, "errno", errno_value);
  assert(err == 0);

  js_value_t *syscall_value;
  err = js_create_string_utf8(env, (const utf8_t *) syscall, -1, &syscall_value);
  assert(err == 0);

  err = js_set_named_property(env, error, "syscall", syscall_value);
  assert(err == 0);

  return error;
}

js_value_t *
bare_tcp__error(js_env_t *env, int status, const char *syscall) {
  return bare_tcp__create_error(env, status, syscall, false);
}

/*
 * Some js.h conversions throw on their own when given a value of the wrong
 * type; the first exception is the one JavaScript should see.
 */
static bool
bare_tcp__exception_pending(js_env_t *env) {
  bool pending = false;
  js_is_exception_pending(env, &pending);
  return pending;
}

void
bare_tcp__throw(js_env_t *env, int status, const char *syscall) {
  if (bare_tcp__exception_pending(env)) return;

  int err = js_throw(env, bare_tcp__error(env, status, syscall));
  assert(err == 0);
}

void
bare_tcp__throw_described(js_env_t *env, int status, const char *syscall) {
  if (bare_tcp__exception_pending(env)) return;

  int err = js_throw(env, bare_tcp__create_error(env, status, syscall, true));
  assert(err == 0);
}

/* Misuse errors read like the JavaScript layer's TCPErrors: "CODE: why". */
void
bare_tcp__throw_code(js_env_t *env, const char *code, const char *message) {
  if (bare_tcp__exception_pending(env)) return;

  int err = js_throw_errorf(env, code, "%s: %s", code, message);
  assert(err == 0);
}

int
bare_tcp__call(bare_tcp_t *handle, js_ref_t *callback, size_t argc, js_value_t *argv[], js_value_t **result) {
  int err;

  bare_tcp_module_t *module = handle->module;
  js_env_t *env = module->env;

  js_value_t *function;
  err = js_get_reference_value(env, callback, &function);
  assert(err == 0);

  module->lone[BARE_TCP_LONE_OWNER] = handle->owner;

  // The callbacks find their owner from the shared numbers and use no
  // `this`: the function itself serves as one, which costs no lookup.
  // A throwing callback is reported by Bare as an uncaught exception; the
  // caller only has to cope with a missing result, and may stop a loop of
  // calls (Bare.exit() from a callback fails it too).
  err = js_call_function(env, function, function, argc, argv, result);
  if (err != 0 && result) *result = NULL;

  return err;
}

/*
 * js_get_value_uint32 and js_get_value_bool convert whatever they are given,
 * so a string port would quietly become 0. These accept only the exact type,
 * and for numbers only integers within [0, max].
 */
bool
bare_tcp__get_uint32(js_env_t *env, js_value_t *value, uint32_t max, uint32_t *result) {
  int err;

  bool is_number;
  err = js_is_number(env, value, &is_number);
  assert(err == 0);

  if (!is_number) return false;

  double number;
  err = js_get_value_double(env, value, &number);
  assert(err == 0);

  if (!(number >= 0 && number <= max) || number != (double) (uint32_t) number) return false;

  *result = (uint32_t) number;

  return true;
}

bool
bare_tcp__get_bool(js_env_t *env, js_value_t *value, bool *result) {
  int err;

  bool is_boolean;
  err = js_is_boolean(env, value, &is_boolean);
  assert(err == 0);

  if (!is_boolean) return false;

  err = js_get_value_bool(env, value, result);
  assert(err == 0);

  return true;
}

int
bare_tcp__call_status(bare_tcp_t *handle, js_ref_t *callback, int status, const char *syscall) {
  int err;

  js_env_t *env = handle->module->env;

  js_handle_scope_t *scope;
  err = js_open_handle_scope(env, &scope);
  assert(err == 0);

  js_value_t *argv[1];
  size_t argc = 0;

  if (status < 0) argv[argc++] = bare_tcp__error(env, status, syscall);

  int result = bare_tcp__call(handle, callback, argc, argv, NULL);

  err = js_close_handle_scope(env, scope);
  assert(err == 0);

  return result;
}
