/*
 * The lifecycle of a handle, start to end: creation inside a JavaScript
 * ArrayBuffer, the one place that calls uv_close, the close callback that
 * tells JavaScript last and lets go of the handle's memory, and the
 * teardown that closes every handle when the JavaScript environment goes
 * away (Bare.exit(), an uncaught exception, or the end of the event loop of
 * a thread).
 *
 * It does not read, write, connect or listen; those live in their own files
 * and only ever end a handle through bare_tcp__close().
 */

#include <assert.h>
#include <stdlib.h>
#include <unistd.h>

#include "tcp.h"

static void
bare_tcp__module_destroy(bare_tcp_module_t *module) {
  js_env_t *env = module->env;

  js_ref_t **refs[] = {
    &module->on_connection,
    &module->on_connect,
    &module->on_read,
    &module->on_reads,
    &module->on_write,
    &module->on_end,
    &module->on_close,
  };

  for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
    if (*refs[i] == NULL) continue;
    js_delete_reference(env, *refs[i]);
    *refs[i] = NULL;
  }

  if (module->slab) {
    js_delete_reference(env, module->slab);
    js_release_arraybuffer_backing_store(env, module->slab_store);
  }

  if (module->reserve_fd >= 0) close(module->reserve_fd);

  free(module);
}

static void
bare_tcp__on_teardown(js_deferred_teardown_t *teardown, void *data) {
  bare_tcp_module_t *module = data;

  module->exiting = true;

  bare_tcp__reads_close(module);

  if (module->handles == NULL) {
    bare_tcp__module_destroy(module);
    js_finish_deferred_teardown_callback(teardown);
    return;
  }

  // Closing unlinks nothing yet; the close callbacks do, and the last one
  // finishes the teardown.
  for (bare_tcp_t *handle = module->handles; handle; handle = handle->next) {
    bare_tcp__close(handle, false);
  }
}

bare_tcp_module_t *
bare_tcp__module_create(js_env_t *env) {
  int err;

  bare_tcp_module_t *module = calloc(1, sizeof(bare_tcp_module_t));
  if (module == NULL) return NULL;

  module->env = env;
  module->reserve_fd = -1;

  err = js_get_env_loop(env, &module->loop);
  assert(err == 0);

  err = bare_tcp__reads_init(module);
  if (err < 0) {
    free(module);
    return NULL;
  }

  err = js_add_deferred_teardown_callback(env, bare_tcp__on_teardown, module, &module->teardown);
  if (err < 0) {
    bare_tcp__reads_close(module);
    free(module);
    return NULL;
  }

  return module;
}

/*
 * setup(onconnection, onconnect, onread, onreads, onwrite, onend, onclose):
 * the callbacks of every handle of this environment, registered once.
 * Returns the ArrayBuffer a lone read's numbers are written to (read.c).
 */
js_value_t *
bare_tcp_setup(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 7;
  js_value_t *argv[7];

  bare_tcp_module_t *module;
  err = js_get_callback_info(env, info, &argc, argv, NULL, (void **) &module);
  assert(err == 0);

  js_ref_t **refs[] = {
    &module->on_connection,
    &module->on_connect,
    &module->on_read,
    &module->on_reads,
    &module->on_write,
    &module->on_end,
    &module->on_close,
  };

  if (argc != 7) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "setup() takes seven callbacks");
    return NULL;
  }

  for (size_t i = 0; i < 7; i++) {
    bool is_function;
    err = js_is_function(env, argv[i], &is_function);
    assert(err == 0);

    if (!is_function || *refs[i] != NULL) {
      bare_tcp__throw_code(env, "INVALID_ARGUMENT", "setup() takes seven callbacks, once");
      return NULL;
    }
  }

  js_value_t *lone = bare_tcp__reads_setup(module);
  if (lone == NULL) return NULL;

  for (size_t i = 0; i < 7; i++) {
    err = js_create_reference(env, argv[i], 1, refs[i]);
    if (err < 0) {
      // The engine's exception stands; the module stays unset, as before.
      while (i-- > 0) {
        js_delete_reference(env, *refs[i]);
        *refs[i] = NULL;
      }
      bare_tcp__reads_unset(module);
      return NULL;
    }
  }

  return lone;
}

bare_tcp_t *
bare_tcp__handle(js_env_t *env, js_value_t *value) {
  int err;

  bool is_arraybuffer;
  err = js_is_arraybuffer(env, value, &is_arraybuffer);
  assert(err == 0);

  if (!is_arraybuffer) return NULL;

  bare_tcp_t *handle;
  size_t len;
  err = js_get_arraybuffer_info(env, value, (void **) &handle, &len);
  assert(err == 0);

  if (len != sizeof(bare_tcp_t) || handle->magic != BARE_TCP_MAGIC || handle->origin != handle) return NULL;

  // A handle transferred to another thread stays on its own thread's loop,
  // which only that thread may touch.
  uv_loop_t *loop;
  err = js_get_env_loop(env, &loop);
  assert(err == 0);

  return handle->tcp.loop == loop ? handle : NULL;
}

bare_tcp_t *
bare_tcp__unwrap(js_env_t *env, js_value_t *value) {
  bare_tcp_t *handle = bare_tcp__handle(env, value);

  if (handle == NULL) bare_tcp__throw_code(env, "INVALID_ARGUMENT", "Not a TCP handle of this thread");

  return handle;
}

bare_tcp_t *
bare_tcp__unwrap_open(js_env_t *env, js_value_t *value) {
  bare_tcp_t *handle = bare_tcp__unwrap(env, value);
  if (handle == NULL) return NULL;

  if (handle->state & (bare_tcp_state_closing | bare_tcp_state_closed)) {
    bare_tcp__throw_code(env, "SOCKET_IS_CLOSED", "Handle is closed");
    return NULL;
  }

  return handle;
}

int
bare_tcp__create(bare_tcp_module_t *module, uint32_t owner, uint32_t read_buffer_size, bare_tcp_t **result, js_value_t **value) {
  int err;

  js_env_t *env = module->env;

  if (module->exiting) return UV_ECANCELED;

  // An engine failure is reported as what it is here: memory it lacks.
  bare_tcp_t *handle;
  err = js_create_arraybuffer(env, sizeof(bare_tcp_t), (void **) &handle, value);
  if (err < 0) return UV_ENOMEM;

  js_arraybuffer_backing_store_t *store;
  err = js_get_arraybuffer_backing_store(env, *value, &store);
  if (err < 0) return UV_ENOMEM;

  // Everything that can fail comes before libuv knows the handle: after
  // uv_tcp_init, only uv_close can undo it.
  err = uv_tcp_init(module->loop, &handle->tcp);
  if (err < 0) {
    js_release_arraybuffer_backing_store(env, store);
    return err;
  }

  handle->store = store;
  handle->owner = owner;

  handle->magic = BARE_TCP_MAGIC;
  handle->origin = handle;
  handle->module = module;
  handle->read_buffer_size = read_buffer_size;
  handle->last_active = uv_now(module->loop);

  handle->next = module->handles;
  if (module->handles) module->handles->prev = handle;
  module->handles = handle;

  *result = handle;

  return 0;
}

static void
bare_tcp__on_close(uv_handle_t *uv_handle) {
  int err;

  bare_tcp_t *handle = (bare_tcp_t *) uv_handle;
  bare_tcp_module_t *module = handle->module;
  js_env_t *env = module->env;

  handle->state = (handle->state & ~bare_tcp_state_closing) | bare_tcp_state_closed;

  if (handle->prev)
    handle->prev->next = handle->next;
  else
    module->handles = handle->next;
  if (handle->next) handle->next->prev = handle->prev;
  handle->prev = handle->next = NULL;

  if (!module->exiting && handle->owner != BARE_TCP_NO_OWNER) {
    js_handle_scope_t *scope;
    err = js_open_handle_scope(env, &scope);
    assert(err == 0);

    // The last call for this owner number: JavaScript gives the number out
    // again after it.
    bare_tcp__call(handle, module->on_close, 0, NULL, NULL);

    err = js_close_handle_scope(env, scope);
    assert(err == 0);
  }

  handle->owner = BARE_TCP_NO_OWNER;

  bare_tcp__into_release(handle);

  // Last: this may free the memory of the handle.
  js_arraybuffer_backing_store_t *store = handle->store;
  handle->store = NULL;
  js_release_arraybuffer_backing_store(env, store);

  if (module->exiting && module->handles == NULL) {
    js_deferred_teardown_t *teardown = module->teardown;
    bare_tcp__module_destroy(module);
    js_finish_deferred_teardown_callback(teardown);
  }
}

/*
 * The only caller of uv_close. A reset close sends RST instead of FIN, which
 * libuv refuses while a shutdown is queued; the handle then closes normally,
 * since the peer is about to be told the stream ended anyway.
 */
void
bare_tcp__close(bare_tcp_t *handle, bool reset) {
  if (handle->state & (bare_tcp_state_closing | bare_tcp_state_closed)) return;

  handle->state |= bare_tcp_state_closing;

  if (handle->listener) {
    bare_tcp__listener_close(handle->listener);
    handle->listener = NULL;
  }

  if (reset && uv_tcp_close_reset(&handle->tcp, bare_tcp__on_close) == 0) return;

  uv_close((uv_handle_t *) &handle->tcp, bare_tcp__on_close);
}

js_value_t *
bare_tcp_init(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 2;
  js_value_t *argv[2];

  bare_tcp_module_t *module;
  err = js_get_callback_info(env, info, &argc, argv, NULL, (void **) &module);
  assert(err == 0);

  uint32_t owner;
  if (argc < 1 || !bare_tcp__get_uint32(env, argv[0], BARE_TCP_NO_OWNER - 1, &owner)) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "init() takes an owner number");
    return NULL;
  }

  uint32_t read_buffer_size = 0;

  if (argc < 2 || !bare_tcp__get_uint32(env, argv[1], INT32_MAX, &read_buffer_size) || read_buffer_size == 0) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "Read buffer size must be an integer between 1 and 2147483647");
    return NULL;
  }

  bare_tcp_t *handle;
  js_value_t *result;
  err = bare_tcp__create(module, owner, read_buffer_size, &handle, &result);
  if (err < 0) {
    bare_tcp__throw(env, err, "init");
    return NULL;
  }

  return result;
}

js_value_t *
bare_tcp_close(js_env_t *env, js_callback_info_t *info) {
  size_t argc = 2;
  js_value_t *argv[2];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, false);
  if (handle == NULL) return NULL;

  bool reset = false;
  if (argc > 1 && !bare_tcp__get_bool(env, argv[1], &reset)) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "close() takes a boolean reset flag");
    return NULL;
  }

  bare_tcp__close(handle, reset);

  return NULL;
}

/*
 * closeOwnedBy(owner, reset): closes the open handles of owner number
 * `owner`, for an owner whose own handle ArrayBuffer the program detached
 * (transfer()), which close() can no longer be given. Returns how many.
 */
js_value_t *
bare_tcp_close_owned_by(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 2;
  js_value_t *argv[2];

  bare_tcp_module_t *module;
  err = js_get_callback_info(env, info, &argc, argv, NULL, (void **) &module);
  assert(err == 0);

  uint32_t owner;
  bool reset = false;
  if (argc < 2 || !bare_tcp__get_uint32(env, argv[0], BARE_TCP_NO_OWNER - 1, &owner) || !bare_tcp__get_bool(env, argv[1], &reset)) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "closeOwnedBy() takes an owner number and a boolean reset flag");
    return NULL;
  }

  uint32_t closed = 0;

  for (bare_tcp_t *handle = module->handles; handle; handle = handle->next) {
    if (handle->owner != owner || handle->state & (bare_tcp_state_closing | bare_tcp_state_closed)) continue;

    // Closing unlinks nothing yet (the close callback does), so the walk
    // goes on safely.
    bare_tcp__close(handle, reset);
    closed++;
  }

  js_value_t *result;
  err = js_create_uint32(env, closed, &result);
  assert(err == 0);

  return result;
}

/*
 * The handle as it is passed to other addons (bare-pipe's IPC), as a second
 * ArrayBuffer over the same memory: one that the receiver detaches leaves the
 * socket's own working. A closed handle has no memory to share and is passed
 * as it is.
 */
js_value_t *
bare_tcp_ipc_handle(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 1;
  js_value_t *argv[1];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, false);
  if (handle == NULL) return NULL;

  if (handle->store == NULL) return argv[0];

  js_value_t *result;
  void *data;
  size_t len;
  err = js_create_arraybuffer_with_backing_store(env, handle->store, &data, &len, &result);
  if (err < 0) return NULL;

  return result;
}

bare_tcp_t *
bare_tcp__unwrap_args(js_env_t *env, js_callback_info_t *info, size_t *argc, js_value_t *argv[], bool open_only) {
  int err;

  err = js_get_callback_info(env, info, argc, argv, NULL, NULL);
  assert(err == 0);

  if (*argc < 1) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "Missing handle");
    return NULL;
  }

  return open_only ? bare_tcp__unwrap_open(env, argv[0]) : bare_tcp__unwrap(env, argv[0]);
}

bool
bare_tcp__check_connected(js_env_t *env, bare_tcp_t *handle) {
  if (handle->state & bare_tcp_state_connected) return true;

  bare_tcp__throw_code(env, "SOCKET_NOT_CONNECTED", "Socket is not connected");
  return false;
}

/* ref(handle, keep): whether the handle keeps the event loop alive. */
js_value_t *
bare_tcp_ref(js_env_t *env, js_callback_info_t *info) {
  size_t argc = 2;
  js_value_t *argv[2];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (handle == NULL) return NULL;

  bool keep;
  if (argc < 2 || !bare_tcp__get_bool(env, argv[1], &keep)) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "ref() takes a boolean");
    return NULL;
  }

  if (keep)
    uv_ref((uv_handle_t *) &handle->tcp);
  else
    uv_unref((uv_handle_t *) &handle->tcp);

  if (handle->listener) bare_tcp__listener_ref(handle->listener, keep);

  return NULL;
}

js_value_t *
bare_tcp_idle(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 1;
  js_value_t *argv[1];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (handle == NULL) return NULL;

  uint64_t now = uv_now(handle->module->loop);

  // A write the kernel takes slowly (a peer that reads slowly, a long
  // transfer) completes only at its end; as in Node.js, it is not idle while
  // its queue shrinks.
  bare_tcp_write_t *write = handle->write;
  if (write != NULL) {
    size_t queued = uv_stream_get_write_queue_size((uv_stream_t *) &handle->tcp);
    if (queued < write->queue_seen) handle->last_active = now;
    write->queue_seen = queued;
  }

  js_value_t *result;
  err = js_create_double(env, (double) (now - handle->last_active), &result);
  assert(err == 0);

  return result;
}

/* lastActive(handle): the loop time of the last activity, after idle() has
 * counted a write's progress. The idle timer compares it with the one it
 * saw at its last 'timeout' to tell activity from a clock that has not
 * moved: two checks can land in the same loop millisecond. */
js_value_t *
bare_tcp_last_active(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 1;
  js_value_t *argv[1];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (handle == NULL) return NULL;

  js_value_t *result;
  err = js_create_double(env, (double) handle->last_active, &result);
  assert(err == 0);

  return result;
}

js_value_t *
bare_tcp_counters(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 1;
  js_value_t *argv[1];

  // Counters stay readable after close: bytesRead and bytesWritten are
  // asked for in 'close' handlers.
  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, false);
  if (handle == NULL) return NULL;

  // [bytesRead, bytesWritten, bytes of the write in flight]
  double counters[] = {
    (double) handle->bytes_read,
    (double) handle->bytes_written,
    handle->write ? (double) handle->write->pending_len : 0,
  };

  js_value_t *result;
  err = js_create_array_with_length(env, 3, &result);
  assert(err == 0);

  for (uint32_t i = 0; i < 3; i++) {
    js_value_t *value;
    err = js_create_double(env, counters[i], &value);
    assert(err == 0);

    err = js_set_element(env, result, i, value);
    assert(err == 0);
  }

  return result;
}
