/*
 * The write side of a connected socket: writes take a whole bare-stream
 * batch at once, and the end of the writable side is a uv_shutdown.
 *
 * Writes are first offered to the kernel with uv_try_write. When it takes the
 * whole batch, which is the common case on a socket that is keeping up, the
 * write completes during the call: no request, no callback, no second
 * crossing into JavaScript. Only the remainder of a partial write goes
 * through uv_write, and JavaScript then waits for on_write.
 */

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "tcp.h"

static void
bare_tcp__release_stores(js_env_t *env, bare_tcp_write_t *write) {
  for (uint32_t i = 0; i < write->stores_len; i++) {
    js_release_arraybuffer_backing_store(env, write->stores[i]);
  }

  if (write->stores != write->stores_small) free(write->stores);

  write->stores = NULL;
  write->stores_len = 0;
}

/*
 * Takes a reference on the backing store of each chunk the kernel has not
 * taken yet, so that its bytes outlive a detach until on_write.
 */
static int
bare_tcp__retain_stores(js_env_t *env, bare_tcp_write_t *write, js_value_t *arraybuffers[], uint32_t count) {
  int err;

  write->stores = count <= 4 ? write->stores_small : malloc(count * sizeof(js_arraybuffer_backing_store_t *));
  if (write->stores == NULL) return UV_ENOMEM;

  for (uint32_t i = 0; i < count; i++) {
    bool shared;
    err = js_is_sharedarraybuffer(env, arraybuffers[i], &shared);
    assert(err == 0);

    if (shared)
      err = js_get_sharedarraybuffer_backing_store(env, arraybuffers[i], &write->stores[i]);
    else
      err = js_get_arraybuffer_backing_store(env, arraybuffers[i], &write->stores[i]);

    if (err < 0) {
      write->stores_len = i;
      bare_tcp__release_stores(env, write);
      return UV_ENOMEM;
    }
  }

  write->stores_len = count;

  return 0;
}

/* Bytes the kernel took: counted for bytesWritten, and activity for the
 * idle timeout. */
static void
bare_tcp__wrote(bare_tcp_t *handle, size_t bytes) {
  handle->bytes_written += bytes;
  handle->last_active = uv_now(handle->module->loop);
}

static void
bare_tcp__on_shutdown(uv_shutdown_t *req, int status);

static int
bare_tcp__shutdown(bare_tcp_t *handle) {
  // A stream ends once, late in its life: the request is not carried by
  // every open handle.
  uv_shutdown_t *req = malloc(sizeof(uv_shutdown_t));
  if (req == NULL) return UV_ENOMEM;

  int err = uv_shutdown(req, (uv_stream_t *) &handle->tcp, bare_tcp__on_shutdown);
  if (err < 0) free(req);

  return err;
}

/* The shutdown deferred behind the write just called back, unless that
 * callback wrote again. It fails as a queued shutdown would: cancelled when
 * the handle is closing, before the close callback. */
static void
bare_tcp__end_after_write(bare_tcp_t *handle) {
  if (!(handle->state & bare_tcp_state_end_deferred) || (handle->state & bare_tcp_state_writing)) return;

  handle->state &= ~bare_tcp_state_end_deferred;

  bare_tcp_module_t *module = handle->module;
  if (module->exiting) return;

  int err = handle->state & bare_tcp_state_closing ? UV_ECANCELED : bare_tcp__shutdown(handle);
  if (err == 0) return;

  handle->state = (handle->state & ~bare_tcp_state_ending) | bare_tcp_state_ended;

  bare_tcp__call_status(handle, module->on_end, err, "shutdown");
}

static void
bare_tcp__on_write(uv_write_t *req, int status) {
  bare_tcp_write_t *write = (bare_tcp_write_t *) req;
  bare_tcp_t *handle = (bare_tcp_t *) req->handle;
  bare_tcp_module_t *module = handle->module;

  handle->state &= ~bare_tcp_state_writing;

  if (status == 0) bare_tcp__wrote(handle, write->pending_len);

  bare_tcp__release_stores(module->env, write);

  free(write);
  handle->write = NULL;

  if (!module->exiting) bare_tcp__call_status(handle, module->on_write, status, "write");

  bare_tcp__end_after_write(handle);
}

/*
 * Fills buf from a typed array or a DataView, refusing a view on a detached
 * buffer (its length reads as 0 and its data pointer is gone). The
 * ArrayBuffer is only asked for when the caller wants it, or to tell a
 * detached view from an empty one: asking for the buffer of a small typed
 * array that V8 keeps inside its heap moves its bytes out, so the data
 * pointer must be read again after that.
 */
static bool
bare_tcp__get_view(js_env_t *env, js_value_t *value, bool is_typedarray, uv_buf_t *buf, js_value_t **arraybuffer) {
  int err;

  js_typedarray_type_t type = js_uint8array;
  void *data;
  size_t len;

  if (is_typedarray)
    err = js_get_typedarray_info(env, value, &type, &data, &len, arraybuffer, NULL);
  else
    err = js_get_dataview_info(env, value, &data, &len, arraybuffer, NULL);
  assert(err == 0);

  if (len == 0) {
    js_value_t *backing = NULL;

    if (arraybuffer)
      backing = *arraybuffer;
    else if (is_typedarray)
      err = js_get_typedarray_info(env, value, NULL, NULL, NULL, &backing, NULL);
    else
      err = js_get_dataview_info(env, value, NULL, NULL, &backing, NULL);
    assert(err == 0);

    bool detached;
    err = js_is_detached_arraybuffer(env, backing, &detached);
    assert(err == 0);

    if (detached) {
      bare_tcp__throw_code(env, "INVALID_ARGUMENT", "Cannot write a detached buffer");
      return false;
    }
  }

  size_t element_size = 1;
  switch (type) {
  case js_int16array:
  case js_uint16array:
  case js_float16array:
    element_size = 2;
    break;
  case js_int32array:
  case js_uint32array:
  case js_float32array:
    element_size = 4;
    break;
  case js_float64array:
  case js_bigint64array:
  case js_biguint64array:
    element_size = 8;
    break;
  default:
    break;
  }

  // Not uv_buf_init, whose unsigned int length would cut a chunk past 4 GiB.
  buf->base = data;
  buf->len = len * element_size;

  return true;
}

/* The same for a value that may be anything, refused unless a view. */
static bool
bare_tcp__get_chunk(js_env_t *env, js_value_t *value, uv_buf_t *buf, js_value_t **arraybuffer) {
  int err;

  bool is_typedarray, is_dataview = false;
  err = js_is_typedarray(env, value, &is_typedarray);
  assert(err == 0);

  if (!is_typedarray) {
    err = js_is_dataview(env, value, &is_dataview);
    assert(err == 0);
  }

  if (!is_typedarray && !is_dataview) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "Chunks must be typed arrays or DataViews");
    return false;
  }

  return bare_tcp__get_view(env, value, is_typedarray, buf, arraybuffer);
}

/*
 * writev(handle, chunks): chunks is a typed array or an array of them.
 * Returns the number of bytes the kernel did not take during the call:
 * undefined when the whole batch went out, else the rest completes later
 * through on_write.
 */
js_value_t *
bare_tcp_writev(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 2;
  js_value_t *argv[2];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (handle == NULL) return NULL;

  if (argc < 2) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "writev() takes chunks");
    return NULL;
  }

  if (!bare_tcp__check_connected(env, handle)) return NULL;

  if (handle->state & (bare_tcp_state_writing | bare_tcp_state_ending | bare_tcp_state_ended)) {
    bare_tcp__throw_code(env, "WRITE_AFTER_END", "Cannot write while a write is in flight or after end");
    return NULL;
  }

  // A lone typed array is the common case: asked about first, it costs one
  // call into the engine fewer.
  bool is_typedarray;
  err = js_is_typedarray(env, argv[1], &is_typedarray);
  assert(err == 0);

  bool is_array = false;
  if (!is_typedarray) {
    err = js_is_array(env, argv[1], &is_array);
    assert(err == 0);
  }

  uint32_t count = 1;
  if (is_array) {
    err = js_get_array_length(env, argv[1], &count);
    assert(err == 0);
  }

  uv_buf_t small[16];
  js_value_t *small_chunks[16];

  uv_buf_t *bufs = small;
  js_value_t **chunks = small_chunks;

  if (count > 16) {
    bufs = malloc(count * sizeof(uv_buf_t));
    chunks = malloc(count * sizeof(js_value_t *));

    if (bufs == NULL || chunks == NULL) {
      free(bufs);
      free(chunks);
      bare_tcp__throw(env, UV_ENOMEM, "write");
      return NULL;
    }
  }

  js_value_t *result = NULL;

  if (is_array) {
    uint32_t got;
    err = js_get_array_elements(env, argv[1], chunks, count, 0, &got);
    assert(err == 0 && got == count);
  } else {
    chunks[0] = argv[1];
  }

  size_t total = 0;

  if (is_typedarray) {
    if (!bare_tcp__get_view(env, chunks[0], true, &bufs[0], NULL)) goto done;

    total = bufs[0].len;
  } else {
    for (uint32_t i = 0; i < count; i++) {
      if (!bare_tcp__get_chunk(env, chunks[i], &bufs[i], NULL)) goto done;

      total += bufs[i].len;
    }
  }

  int written = count ? uv_try_write((uv_stream_t *) &handle->tcp, bufs, count) : 0;

  if (written < 0 && written != UV_EAGAIN) {
    bare_tcp__throw(env, written, "write");
    goto done;
  }

  if (written < 0) written = 0;

  bare_tcp__wrote(handle, written);

  // All of it: undefined, which costs nothing to make.
  if ((size_t) written == total) goto done;

  // Skip what the kernel took.
  uint32_t first = 0;
  size_t skip = written;

  while (skip >= bufs[first].len) {
    skip -= bufs[first].len;
    first++;
  }

  // The rest outlives this call: pin each chunk's memory, which moves a
  // small chunk out of the V8 heap, then take its address again. uv_write
  // copies the descriptors, so the array only has to live through the call.
  js_value_t *small_arraybuffers[16];
  js_value_t **arraybuffers = count - first <= 16 ? small_arraybuffers : malloc((count - first) * sizeof(js_value_t *));

  if (arraybuffers == NULL) {
    bare_tcp__throw(env, UV_ENOMEM, "write");
    goto done;
  }

  for (uint32_t i = first; i < count; i++) {
    bool ok = bare_tcp__get_chunk(env, chunks[i], &bufs[i], &arraybuffers[i - first]);
    assert(ok);
  }

  bufs[first].base += skip;
  bufs[first].len -= skip;

  bare_tcp_write_t *write = malloc(sizeof(bare_tcp_write_t));

  err = write ? bare_tcp__retain_stores(env, write, arraybuffers, count - first) : UV_ENOMEM;

  if (arraybuffers != small_arraybuffers) free(arraybuffers);

  if (err < 0) {
    free(write);
    bare_tcp__throw(env, err, "write");
    goto done;
  }

  err = uv_write(&write->req, (uv_stream_t *) &handle->tcp, &bufs[first], count - first, bare_tcp__on_write);
  if (err < 0) {
    bare_tcp__release_stores(env, write);
    free(write);
    bare_tcp__throw(env, err, "write");
    goto done;
  }

  write->pending_len = total - written;
  write->queue_seen = uv_stream_get_write_queue_size((uv_stream_t *) &handle->tcp);

  handle->write = write;
  handle->state |= bare_tcp_state_writing;

  err = js_create_double(env, (double) write->pending_len, &result);
  assert(err == 0);

done:
  if (bufs != small) {
    free(bufs);
    free(chunks);
  }

  return result;
}

/*
 * write(handle, chunk): the common write, one Uint8Array on a connected
 * socket with nothing in flight, as a typed function that V8 may call
 * straight from optimised code, without the API callback's frame, handle
 * scope and argument copies. Such a call can neither throw nor allocate,
 * so it only answers with a number: the bytes the kernel took (all, some
 * or none), a libuv error for JavaScript to turn into an exception with
 * writeError(), or BARE_TCP_WRITE_SLOW when anything is out of the
 * ordinary, for writev() to handle or refuse with its own errors.
 */
static int32_t
bare_tcp__write(js_env_t *env, js_value_t *handle_value, js_value_t *chunk) {
  int err;

  bare_tcp_t *handle = bare_tcp__handle(env, handle_value);
  if (handle == NULL) return BARE_TCP_WRITE_SLOW;

  uint32_t refused = bare_tcp_state_closing | bare_tcp_state_closed | bare_tcp_state_writing | bare_tcp_state_ending | bare_tcp_state_ended;

  if ((handle->state & (bare_tcp_state_connected | refused)) != bare_tcp_state_connected) return BARE_TCP_WRITE_SLOW;

  bool is_typedarray;
  err = js_is_typedarray(env, chunk, &is_typedarray);
  assert(err == 0);

  if (!is_typedarray) return BARE_TCP_WRITE_SLOW;

  js_typedarray_type_t type;
  void *data;
  size_t len;
  err = js_get_typedarray_info(env, chunk, &type, &data, &len, NULL, NULL);
  assert(err == 0);

  // Empty (perhaps detached) and oversized chunks take the full path.
  if (type != js_uint8array || len == 0 || len > INT32_MAX) return BARE_TCP_WRITE_SLOW;

  uv_buf_t buf = uv_buf_init(data, (unsigned int) len);

  int written = uv_try_write((uv_stream_t *) &handle->tcp, &buf, 1);

  if (written == UV_EAGAIN) written = 0;

  if (written >= 0) bare_tcp__wrote(handle, written);

  return written;
}

int32_t
bare_tcp_write_typed(js_value_t *receiver, js_value_t *handle, js_value_t *chunk, js_typed_callback_info_t *info) {
  (void) receiver;

  int err;

  js_env_t *env;
  err = js_get_typed_callback_info(info, &env, NULL);
  assert(err == 0);

  return bare_tcp__write(env, handle, chunk);
}

js_value_t *
bare_tcp_write(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 2;
  js_value_t *argv[2];

  err = js_get_callback_info(env, info, &argc, argv, NULL, NULL);
  assert(err == 0);

  int32_t written = argc < 2 ? BARE_TCP_WRITE_SLOW : bare_tcp__write(env, argv[0], argv[1]);

  js_value_t *result;
  err = js_create_int32(env, written, &result);
  assert(err == 0);

  return result;
}

/* writeError(status): the error writev() would have thrown for it. */
js_value_t *
bare_tcp_write_error(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 1;
  js_value_t *argv[1];

  err = js_get_callback_info(env, info, &argc, argv, NULL, NULL);
  assert(err == 0);

  bool is_number = false;
  if (argc > 0) {
    err = js_is_number(env, argv[0], &is_number);
    assert(err == 0);
  }

  int32_t status = 0;
  if (is_number) {
    err = js_get_value_int32(env, argv[0], &status);
    assert(err == 0);
  }

  // libuv's errors are -1 to -4095; uv_err_name leaks a string for others.
  if (status >= 0 || status < -4095) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "writeError() takes a libuv error number");
    return NULL;
  }

  return bare_tcp__error(env, status, "write");
}

static void
bare_tcp__on_shutdown(uv_shutdown_t *req, int status) {
  bare_tcp_t *handle = (bare_tcp_t *) req->handle;
  bare_tcp_module_t *module = handle->module;

  free(req);

  handle->state = (handle->state & ~bare_tcp_state_ending) | bare_tcp_state_ended;

  if (module->exiting) return;

  bare_tcp__call_status(handle, module->on_end, status, "shutdown");
}

js_value_t *
bare_tcp_end(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 1;
  js_value_t *argv[1];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (handle == NULL) return NULL;

  if (!bare_tcp__check_connected(env, handle)) return NULL;

  if (handle->state & (bare_tcp_state_ending | bare_tcp_state_ended)) {
    bare_tcp__throw_code(env, "WRITE_AFTER_END", "Socket has already ended");
    return NULL;
  }

  // libuv starts a shutdown once its write queue is empty, and a write the
  // kernel took whole inside uv_write leaves that queue at once but is called
  // back only later: the shutdown's callback, and with it 'finish', would
  // overtake the write's.
  if (handle->state & bare_tcp_state_writing) {
    handle->state |= bare_tcp_state_ending | bare_tcp_state_end_deferred;
    return NULL;
  }

  err = bare_tcp__shutdown(handle);
  if (err < 0) {
    bare_tcp__throw(env, err, "shutdown");
    return NULL;
  }

  handle->state |= bare_tcp_state_ending;

  return NULL;
}
