/*
 * The read side of a connected socket.
 *
 * Reads land in a slab shared by every socket of the loop and reach
 * JavaScript as views of it: no copy and no allocation per read.
 *
 * Data read during libuv's poll phase is not handed over at once: it waits
 * in a batch until the check phase, which libuv runs right after the poll
 * phase, and every socket readable in that wake-up reaches JavaScript in one
 * call. Entering JavaScript costs more than most reads, and a busy server
 * finds dozens of sockets readable per wake-up. The end of a stream joins
 * the batch behind its data; a read error is handed over at once, after the
 * batch, so that it never overtakes the data before it.
 *
 * JavaScript answers each read in the memory it shares with the addon: read
 * on, full (reading stops, so backpressure costs no extra call), or how
 * many bytes it still has room for when nobody takes the reads as they
 * come (paused, piped, read through 'readable'). libuv reads up to 32 times
 * per wake-up before JavaScript hears of any, so a socket that is not read
 * on stops for the wake-up once it has read its room: it never holds more
 * than one read past its high-water mark. pause() tells the addon at once
 * (hold()), since the next answer may come a whole wake-up's reads later.
 */

// madvise and MADV_POPULATE_WRITE.
#define _GNU_SOURCE

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "tcp.h"

/* The least a slab holds: several full default reads, or thousands of
 * small ones, before the next. */
#define BARE_TCP_SLAB_SIZE (256 * 1024)

/* How far ahead of the reads bare_tcp__prefault asks for pages, and the
 * least it asks for at once. */
#define BARE_TCP_PREFAULT_STEP (64 * 1024)

/* The numbers per read of a batch: slab index, offset, length, answer and
 * owner number (see bare_tcp__deliver_many). */
#define BARE_TCP_META_STRIDE 5

static inline size_t
bare_tcp__align8(size_t n) {
  return (n + 7) & ~(size_t) 7;
}

typedef struct {
  js_ref_t *ref;
  js_arraybuffer_backing_store_t *store;
} bare_tcp_slab_t;

typedef struct {
  bare_tcp_t *handle;
  js_ref_t *slab;
  uint32_t offset;
  uint32_t len;
} bare_tcp_read_t;

struct bare_tcp_reads_s {
  uv_check_t check;

  /* NULL once the environment is torn down. */
  bare_tcp_module_t *module;

  bare_tcp_read_t *entries;
  size_t len;
  size_t cap;

  /* Slabs replaced while reads in the batch still point into them. */
  bare_tcp_slab_t *retired;
  size_t retired_len;
  size_t retired_cap;

  /* Where a batch tells JavaScript each read's slab, offset, length and
   * socket, and JavaScript answers each (BARE_TCP_META_STRIDE numbers per
   * read): an ArrayBuffer it keeps a Uint32Array of, written here directly,
   * because creating numbers per read through the engine's API cost more
   * than the reads. */
  js_ref_t *meta;
  uint32_t *meta_data;
  size_t meta_len;

  /* Holds the module's shared numbers (module->lone): a lone read's, the
   * same three, then a fourth where JavaScript writes its answer (read on,
   * full, or the room left), then the owner number of every call. Handed
   * to JavaScript once, by setup(). */
  js_ref_t *lone;

  /* Whether JavaScript holds the current slab from a lone read, so that the
   * next lone read into it passes nothing at all. Every call into the
   * engine's API costs more than the reads themselves. */
  bool slab_given;

  /* Cleared when the kernel cannot prefault slabs (see bare_tcp__prefault),
   * so that it is not asked again for every slab. */
  bool prefault;

  /* How much of the current slab has been prefaulted, and whether its
   * memory is new to the process (else it is not prefaulted at all). */
  size_t prefaulted;
  bool slab_fresh;
};

static bool
bare_tcp__grow(void **array, size_t *cap, size_t len, size_t size) {
  if (len < *cap) return true;

  size_t next = *cap ? *cap * 2 : 64;

  void *grown = realloc(*array, next * size);
  if (grown == NULL) return false;

  *array = grown;
  *cap = next;

  return true;
}

static void
bare_tcp__release_retired(bare_tcp_reads_t *reads) {
  js_env_t *env = reads->module->env;

  for (size_t i = 0; i < reads->retired_len; i++) {
    js_delete_reference(env, reads->retired[i].ref);
    js_release_arraybuffer_backing_store(env, reads->retired[i].store);
  }

  reads->retired_len = 0;
}

/* JavaScript could not buffer the read: stop reading, unless it asked for
 * more meanwhile (resume() sets the resumed bit). */
static void
bare_tcp__on_full(bare_tcp_t *handle) {
  if (handle->state & (bare_tcp_state_resumed | bare_tcp_state_closing)) return;
  if (!(handle->state & bare_tcp_state_reading)) return;

  uv_read_stop((uv_stream_t *) &handle->tcp);
  handle->state &= ~bare_tcp_state_reading;
}

/* Applies JavaScript's answer to a read of the handle. A pause during the
 * call that handed the read over may have come after the answer was
 * written: then the answer allows no more than the room the pause gave.
 * The held bit is cleared before each call, so only such a pause counts. */
static void
bare_tcp__answer(bare_tcp_t *handle, uint32_t answer) {
  if ((handle->state & bare_tcp_state_held) && handle->read_room < answer) answer = handle->read_room;

  handle->read_room = answer;

  if (answer == BARE_TCP_READ_FULL) bare_tcp__on_full(handle);
}

/*
 * A lone read goes to on_read(slab, err) for the socket: its
 * numbers are in the lone buffer, and the slab is passed only when
 * JavaScript does not hold it yet.
 */
static void
bare_tcp__deliver_one(bare_tcp_reads_t *reads, bare_tcp_read_t *entry) {
  int err;

  bare_tcp_module_t *module = reads->module;
  js_env_t *env = module->env;

  uint32_t *lone = module->lone;

  lone[0] = entry->slab ? 0 : UINT32_MAX;
  lone[1] = entry->offset;
  lone[2] = entry->len;
  lone[3] = BARE_TCP_READ_ON;

  size_t argc = 0;
  js_value_t *argv[1];

  if (entry->slab && (entry->slab != module->slab || !reads->slab_given)) {
    err = js_get_reference_value(env, entry->slab, &argv[0]);
    assert(err == 0);

    argc = 1;

    // A slab retired during the batch replaces the current one in
    // JavaScript's hands.
    reads->slab_given = entry->slab == module->slab;
  }

  bare_tcp__call(entry->handle, module->on_read, argc, argv, NULL);

  if (entry->slab) bare_tcp__answer(entry->handle, lone[3]);
}

static bool
bare_tcp__reserve_meta(bare_tcp_reads_t *reads, size_t count) {
  if (reads->meta_len >= count * BARE_TCP_META_STRIDE) return true;

  js_env_t *env = reads->module->env;

  size_t len = count * 2 < 64 ? 64 * BARE_TCP_META_STRIDE : count * 2 * BARE_TCP_META_STRIDE;

  js_value_t *meta;
  void *data;
  if (js_create_arraybuffer(env, len * sizeof(uint32_t), &data, &meta) != 0) {
    js_value_t *exception;
    js_get_and_clear_last_exception(env, &exception);
    return false;
  }

  if (reads->meta) js_delete_reference(env, reads->meta);

  int err = js_create_reference(env, meta, 1, &reads->meta);
  assert(err == 0);

  reads->meta_data = data;
  reads->meta_len = len;

  return true;
}

/*
 * Several reads go to on_reads(slabs, meta, count): the slabs they point
 * into, and in meta five numbers per read, the index of its slab (all ones
 * at the end of the stream), its offset, its length, the answer JavaScript
 * writes back, and the owner number of its socket. Returns false when there
 * was no memory to ask.
 */
static bool
bare_tcp__deliver_many(bare_tcp_reads_t *reads, size_t count) {
  int err;

  bare_tcp_module_t *module = reads->module;
  js_env_t *env = module->env;

  // Every slab a read can point into: those retired during the batch, then
  // the current one.
  size_t slabs_len = reads->retired_len + 1;

  if (!bare_tcp__reserve_meta(reads, count)) return false;

  js_value_t *small[16];
  js_value_t **slabs = slabs_len <= 16 ? small : malloc(slabs_len * sizeof(js_value_t *));
  if (slabs == NULL) return false;

  for (size_t i = 0; i < slabs_len; i++) {
    js_ref_t *slab = i < reads->retired_len ? reads->retired[i].ref : module->slab;

    if (slab) {
      err = js_get_reference_value(env, slab, &slabs[i]);
    } else {
      err = js_get_null(env, &slabs[i]);
    }
    assert(err == 0);
  }

  uint32_t *meta = reads->meta_data;

  for (size_t i = 0; i < count; i++) {
    bare_tcp_read_t *entry = &reads->entries[i];

    uint32_t slab = UINT32_MAX;

    if (entry->slab) {
      slab = entry->slab == module->slab ? (uint32_t) reads->retired_len : 0;
      while (slab < reads->retired_len && reads->retired[slab].ref != entry->slab) slab++;
    }

    uint32_t *numbers = &meta[i * BARE_TCP_META_STRIDE];

    numbers[0] = slab;
    numbers[1] = entry->offset;
    numbers[2] = entry->len;
    numbers[3] = BARE_TCP_READ_ON;
    numbers[4] = entry->handle->owner;
  }

  js_value_t *argv[3];

  err = js_create_array_with_length(env, slabs_len, &argv[0]);
  assert(err == 0);

  err = js_set_array_elements(env, argv[0], (const js_value_t **) slabs, slabs_len, 0);
  assert(err == 0);

  if (slabs != small) free(slabs);

  err = js_get_reference_value(env, reads->meta, &argv[1]);
  assert(err == 0);

  err = js_create_uint32(env, (uint32_t) count, &argv[2]);
  assert(err == 0);

  js_value_t *function;
  err = js_get_reference_value(env, module->on_reads, &function);
  assert(err == 0);

  // A throwing callback is reported by Bare as an uncaught exception; the
  // reads it did not answer read on.
  (void) js_call_function(env, function, function, 3, argv, NULL);

  for (size_t i = 0; i < count; i++) {
    bare_tcp_read_t *entry = &reads->entries[i];
    if (entry->slab) bare_tcp__answer(entry->handle, meta[i * BARE_TCP_META_STRIDE + 3]);
  }

  return true;
}

static void
bare_tcp__on_read_end(bare_tcp_t *handle, ssize_t status);

/* Hands every batched read to JavaScript. */
static void
bare_tcp__flush(bare_tcp_reads_t *reads) {
  int err;

  if (reads == NULL || reads->len == 0 || reads->module->exiting) return;

  bare_tcp_module_t *module = reads->module;
  js_env_t *env = module->env;

  err = uv_check_stop(&reads->check);
  assert(err == 0);

  size_t len = reads->len;
  reads->len = 0;

  // A socket destroyed since its data arrived wants no more of it.
  // JavaScript numbers the reads it is given, not the ones skipped.
  size_t count = 0;

  for (size_t i = 0; i < len; i++) {
    bare_tcp_t *handle = reads->entries[i].handle;

    handle->state &= ~bare_tcp_state_batched;

    if ((handle->state & bare_tcp_state_closing) || handle->owner == BARE_TCP_NO_OWNER) continue;

    handle->state &= ~(bare_tcp_state_resumed | bare_tcp_state_held);

    reads->entries[count++] = reads->entries[i];
  }

  js_handle_scope_t *scope;
  err = js_open_handle_scope(env, &scope);
  assert(err == 0);

  if (count == 1) {
    bare_tcp__deliver_one(reads, &reads->entries[0]);
  } else if (count > 1 && !bare_tcp__deliver_many(reads, count)) {
    // Nowhere to build the call: the data is lost, so the sockets must
    // fail rather than carry on with a hole in their streams.
    for (size_t i = 0; i < count; i++) {
      bare_tcp__on_read_end(reads->entries[i].handle, UV_ENOMEM);
    }
  }

  err = js_close_handle_scope(env, scope);
  assert(err == 0);

  bare_tcp__release_retired(reads);
}

static void
bare_tcp__on_check(uv_check_t *check) {
  bare_tcp__flush((bare_tcp_reads_t *) check);
}

int
bare_tcp__reads_init(bare_tcp_module_t *module) {
  int err;

  bare_tcp_reads_t *reads = calloc(1, sizeof(bare_tcp_reads_t));
  if (reads == NULL) return UV_ENOMEM;

  err = uv_check_init(module->loop, &reads->check);
  if (err < 0) {
    free(reads);
    return err;
  }

  // Pending reads are delivered in the same loop iteration they were made
  // in; the check handle itself never needs to keep the loop running.
  uv_unref((uv_handle_t *) &reads->check);

  reads->module = module;
  reads->prefault = true;
  module->reads = reads;

  return 0;
}

js_value_t *
bare_tcp__reads_setup(bare_tcp_module_t *module) {
  int err;

  js_env_t *env = module->env;
  bare_tcp_reads_t *reads = module->reads;

  js_value_t *lone;
  void *data;
  err = js_create_arraybuffer(env, BARE_TCP_LONE_LEN * sizeof(uint32_t), &data, &lone);
  if (err < 0) return NULL;

  err = js_create_reference(env, lone, 1, &reads->lone);
  if (err < 0) return NULL;

  module->lone = data;

  return lone;
}

void
bare_tcp__reads_unset(bare_tcp_module_t *module) {
  bare_tcp_reads_t *reads = module->reads;

  js_delete_reference(module->env, reads->lone);
  reads->lone = NULL;
  module->lone = NULL;
}

static void
bare_tcp__on_reads_close(uv_handle_t *handle) {
  bare_tcp_reads_t *reads = (bare_tcp_reads_t *) handle;

  free(reads->entries);
  free(reads->retired);
  free(reads);
}

void
bare_tcp__reads_close(bare_tcp_module_t *module) {
  bare_tcp_reads_t *reads = module->reads;

  bare_tcp__release_retired(reads);

  if (reads->meta) js_delete_reference(module->env, reads->meta);
  reads->meta = NULL;

  if (reads->lone) js_delete_reference(module->env, reads->lone);
  reads->lone = NULL;
  module->lone = NULL;

  reads->len = 0;
  reads->module = NULL;
  module->reads = NULL;

  uv_close((uv_handle_t *) &reads->check, bare_tcp__on_reads_close);
}

#ifdef MADV_POPULATE_WRITE
/*
 * Whether every page from start to end is in memory already. In a long
 * transfer most slabs are memory the allocator reused, and populating
 * those anyway took ~5% of the reader's CPU: walking pages that are there
 * cost the kernel more than prefaulting saved on the new ones.
 */
static bool
bare_tcp__resident(uintptr_t start, uintptr_t end, uintptr_t page) {
  unsigned char pages[BARE_TCP_PREFAULT_STEP / 4096 + 2];

  size_t count = (end - start) / page;

  // A range this function was not sized for, or an answer it cannot get:
  // prefault, as the caller would without asking.
  if (count > sizeof(pages) || mincore((void *) start, end - start, pages) != 0) return false;

  for (size_t i = 0; i < count; i++) {
    if ((pages[i] & 1) == 0) return false;
  }

  return true;
}
#endif

/*
 * A new slab is mostly memory the process never touched, and the kernel's
 * copy of each read into it would stop at every fresh page for a fault.
 * Asking for the pages a read may fill before it is made costs less per page
 * (about 40% here): at 64 MB of small pipelined messages, the reading
 * process's CPU fell by a sixth. A step at a time, just ahead of the
 * reads: the pages come zeroed, and the copy should find them still in the
 * cache. Pages the process already has (memory the allocator reused) are
 * left alone.
 */
static void
bare_tcp__prefault(bare_tcp_module_t *module, size_t upto) {
#ifdef MADV_POPULATE_WRITE
  bare_tcp_reads_t *reads = module->reads;

  if (!reads->prefault || upto <= reads->prefaulted) return;

  if (upto < reads->prefaulted + BARE_TCP_PREFAULT_STEP) upto = reads->prefaulted + BARE_TCP_PREFAULT_STEP;

  uintptr_t page = (uintptr_t) sysconf(_SC_PAGESIZE);
  uintptr_t data = (uintptr_t) module->slab_data;
  uintptr_t start = (data + reads->prefaulted + page - 1) & ~(page - 1);
  uintptr_t end = (data + upto + page - 1) & ~(page - 1);
  uintptr_t last = (data + module->slab_len) & ~(page - 1);

  if (end > last) end = last;

  bool first = reads->prefaulted == 0;

  reads->prefaulted = end > data + upto ? end - data : upto;

  if (end <= start) return;

  // The first step of a slab tells new memory from reused memory; one look
  // per slab, because asking costs a system call of its own.
  if (first) reads->slab_fresh = !bare_tcp__resident(start, end, page);

  if (!reads->slab_fresh) return;

  // Only whole pages inside the slab: the allocator owns the rest. Neither
  // failure is the caller's: a kernel older than Linux 5.14 does not know
  // the advice (EINVAL, so it is not asked again), and pages it could not
  // provide now come one fault at a time as they would have anyway.
  if (madvise((void *) start, end - start, MADV_POPULATE_WRITE) != 0 && errno == EINVAL) {
    reads->prefault = false;
  }
#else
  (void) module;
  (void) upto;
#endif
}

/* Whether the program's read buffer still is the memory it gave, whole. */
static bool
bare_tcp__into_intact(bare_tcp_t *handle) {
  int err;

  bare_tcp_into_t *into = handle->into;
  js_env_t *env = handle->module->env;

  js_handle_scope_t *scope;
  err = js_open_handle_scope(env, &scope);
  assert(err == 0);

  js_value_t *view;
  err = js_get_reference_value(env, into->ref, &view);
  assert(err == 0);

  js_typedarray_type_t type;
  void *data;
  size_t len;
  js_value_t *arraybuffer;
  size_t offset;
  err = js_get_typedarray_info(env, view, &type, &data, &len, &arraybuffer, &offset);

  bool intact = err == 0 && data == into->data && len >= into->len;

  err = js_close_handle_scope(env, scope);
  assert(err == 0);

  return intact;
}

/* Replaces the slab, keeping the old one alive while batched reads still
 * point into it. Returns false when there is no memory for either. */
static bool
bare_tcp__replace_slab(bare_tcp_module_t *module, size_t len) {
  int err;

  js_env_t *env = module->env;
  bare_tcp_reads_t *reads = module->reads;

  if (module->slab && reads->len > 0 && !bare_tcp__grow((void **) &reads->retired, &reads->retired_cap, reads->retired_len, sizeof(bare_tcp_slab_t))) {
    return false;
  }

  js_handle_scope_t *scope;
  err = js_open_handle_scope(env, &scope);
  assert(err == 0);

  js_value_t *slab;
  void *data;
  js_arraybuffer_backing_store_t *store;
  bool created = js_create_unsafe_arraybuffer(env, len, &data, &slab) == 0 &&
    js_get_arraybuffer_backing_store(env, slab, &store) == 0;

  if (created) {
    if (module->slab && reads->len > 0) {
      reads->retired[reads->retired_len++] = (bare_tcp_slab_t){module->slab, module->slab_store};
    } else if (module->slab) {
      js_delete_reference(env, module->slab);
      js_release_arraybuffer_backing_store(env, module->slab_store);
    }

    err = js_create_reference(env, slab, 1, &module->slab);
    assert(err == 0);

    module->slab_store = store;

    // New until its first step is looked at (bare_tcp__prefault).
    reads->prefaulted = 0;
    reads->slab_fresh = true;

    module->slab_data = data;
    module->slab_len = len;
    module->slab_used = 0;

    reads->slab_given = false;
  } else {
    js_value_t *exception;
    js_get_and_clear_last_exception(env, &exception);
  }

  err = js_close_handle_scope(env, scope);
  assert(err == 0);

  return created;
}

/*
 * A read may take up to read_buffer_size bytes, so a slab with less room
 * left than that is replaced; what a read did not use goes to the next one.
 * Each read uses its length rounded up to 8, and so does the slab's: a read
 * that fits the room left then always fits once rounded too.
 */
static void
bare_tcp__on_alloc(uv_handle_t *uv_handle, size_t suggested_size, uv_buf_t *buf) {
  (void) suggested_size;

  bare_tcp_t *handle = (bare_tcp_t *) uv_handle;
  bare_tcp_module_t *module = handle->module;

  // Each read into the program's buffer is handed over before the next is
  // made (bare_tcp__deliver_into), so one buffer serves them all. One the
  // program detached or shrank since gets no more reads (on_read fails the
  // socket): its memory may be another buffer's now.
  if (handle->into) {
    if (bare_tcp__into_intact(handle)) {
      *buf = uv_buf_init(handle->into->data, (unsigned int) handle->into->len);
    } else {
      *buf = uv_buf_init(NULL, 0);
    }
    return;
  }

  // Its room is read, and the reads wait for JavaScript: the rest waits in
  // the kernel until JavaScript says whether it has more.
  if ((handle->state & bare_tcp_state_batched) && handle->read_room == 0) {
    handle->state |= bare_tcp_state_deferred;
    *buf = uv_buf_init(NULL, 0);
    return;
  }

  size_t need = handle->read_buffer_size;

  if (module->slab == NULL || module->slab_len < module->slab_used + need) {
    size_t len = need > BARE_TCP_SLAB_SIZE / 2 ? 2 * bare_tcp__align8(need) : BARE_TCP_SLAB_SIZE;

    // libuv turns an empty buffer into a UV_ENOBUFS read error.
    if (!bare_tcp__replace_slab(module, len)) {
      *buf = uv_buf_init(NULL, 0);
      return;
    }
  }

  // A large readBufferSize reserves far more than most reads fill, and
  // prefaulting what stays unused would only grow the process.
  bare_tcp__prefault(module, module->slab_used + (need < BARE_TCP_PREFAULT_STEP ? need : BARE_TCP_PREFAULT_STEP));

  buf->base = module->slab_data + module->slab_used;
  buf->len = need;
}

/* A read error, or the end of the stream when the batch cannot take it,
 * handed over at once. */
static void
bare_tcp__on_read_end(bare_tcp_t *handle, ssize_t status) {
  int err;

  bare_tcp_module_t *module = handle->module;
  js_env_t *env = module->env;

  // libuv has stopped reading at EOF already; after an error it would try
  // again, so stop it here.
  if (status != UV_EOF) uv_read_stop((uv_stream_t *) &handle->tcp);

  handle->state = (handle->state & ~bare_tcp_state_reading) | bare_tcp_state_read_done;

  bare_tcp__flush(module->reads);

  if (module->exiting || handle->state & bare_tcp_state_closing || handle->owner == BARE_TCP_NO_OWNER) return;

  js_handle_scope_t *scope;
  err = js_open_handle_scope(env, &scope);
  assert(err == 0);

  // The end of the stream is a read without a slab; an error comes second.
  module->lone[0] = UINT32_MAX;

  js_value_t *argv[2];
  size_t argc = 0;

  if (status != UV_EOF) {
    err = js_get_undefined(env, &argv[0]);
    assert(err == 0);

    argv[1] = bare_tcp__error(env, (int) status, "read");
    argc = 2;
  }

  bare_tcp__call(handle, module->on_read, argc, argv, NULL);

  err = js_close_handle_scope(env, scope);
  assert(err == 0);
}

/*
 * A read into the program's own buffer goes to JavaScript at once, not in
 * the batch: libuv's next read in this wake-up would overwrite it. Its slab
 * index says so, and the answer is read on or full, as for any read.
 */
static void
bare_tcp__deliver_into(bare_tcp_t *handle, size_t len) {
  int err;

  bare_tcp_module_t *module = handle->module;
  js_env_t *env = module->env;

  if (module->exiting || handle->state & bare_tcp_state_closing || handle->owner == BARE_TCP_NO_OWNER) return;

  uint32_t *lone = module->lone;

  lone[0] = BARE_TCP_READ_INTO;
  lone[1] = 0;
  lone[2] = (uint32_t) len;
  lone[3] = BARE_TCP_READ_ON;

  handle->state &= ~(bare_tcp_state_resumed | bare_tcp_state_held);

  js_handle_scope_t *scope;
  err = js_open_handle_scope(env, &scope);
  assert(err == 0);

  js_value_t *result;
  bare_tcp__call(handle, module->on_read, 0, NULL, &result);

  err = js_close_handle_scope(env, scope);
  assert(err == 0);

  // The program's callback cannot make the call fail (lib/socket.js catches
  // what it throws): a failed call means JavaScript is going away, as on
  // Bare.exit(), and libuv's next reads of this wake-up must not call it.
  if (result == NULL) {
    uv_read_stop((uv_stream_t *) &handle->tcp);
    handle->state &= ~bare_tcp_state_reading;
    return;
  }

  bare_tcp__answer(handle, lone[3]);
}

static void
bare_tcp__on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  bare_tcp_t *handle = (bare_tcp_t *) stream;
  bare_tcp_module_t *module = handle->module;

  if (nread == 0) return;

  if (nread == UV_ENOBUFS && (handle->state & bare_tcp_state_deferred)) {
    handle->state &= ~bare_tcp_state_deferred;
    return;
  }

  // on_alloc turned the read down: the program's buffer is gone.
  if (nread == UV_ENOBUFS && handle->into) {
    bare_tcp__on_read_end(handle, UV_EINVAL);
    return;
  }

  if (nread < 0 && nread != UV_EOF) {
    bare_tcp__on_read_end(handle, nread);
    return;
  }

  if (nread > 0 && handle->into) {
    handle->last_active = uv_now(module->loop);
    handle->bytes_read += nread;
    bare_tcp__deliver_into(handle, (size_t) nread);
    return;
  }

  bare_tcp_reads_t *reads = module->reads;

  if (!bare_tcp__grow((void **) &reads->entries, &reads->cap, reads->len, sizeof(bare_tcp_read_t))) {
    bare_tcp__on_read_end(handle, nread == UV_EOF ? UV_EOF : UV_ENOMEM);
    return;
  }

  if (nread == UV_EOF) {
    // libuv has stopped reading already. The end joins the batch, behind
    // the data before it, as a read without a buffer, and the batch goes
    // now rather than at the check phase: JavaScript that other callbacks
    // of this poll run (a lookup's answer, say) must find the stream ended,
    // as it would in Node.js. bare-http1's agent would otherwise hand a
    // request a pooled connection its server has just closed.
    handle->state = (handle->state & ~bare_tcp_state_reading) | bare_tcp_state_read_done;

    reads->entries[reads->len++] = (bare_tcp_read_t){.handle = handle};

    bare_tcp__flush(reads);
    return;
  }

  handle->last_active = uv_now(module->loop);
  handle->bytes_read += nread;
  handle->state |= bare_tcp_state_batched;

  if (handle->read_room != BARE_TCP_READ_ON) {
    handle->read_room = (size_t) nread < handle->read_room ? handle->read_room - (uint32_t) nread : 0;
  }

  reads->entries[reads->len++] = (bare_tcp_read_t){
    .handle = handle,
    .slab = module->slab,
    .offset = (uint32_t) (buf->base - module->slab_data),
    .len = (uint32_t) nread,
  };

  // Views stay 8-byte aligned, as typed arrays of wider elements need.
  module->slab_used += bare_tcp__align8((size_t) nread);

  if (reads->len == 1) {
    int err = uv_check_start(&reads->check, bare_tcp__on_check);
    assert(err == 0);
  }
}

js_value_t *
bare_tcp_resume(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 1;
  js_value_t *argv[1];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (handle == NULL) return NULL;

  if (!bare_tcp__check_connected(env, handle)) return NULL;

  handle->state |= bare_tcp_state_resumed;
  handle->state &= ~bare_tcp_state_held;

  if (handle->state & (bare_tcp_state_reading | bare_tcp_state_read_done)) return NULL;

  err = uv_read_start((uv_stream_t *) &handle->tcp, bare_tcp__on_alloc, bare_tcp__on_read);
  if (err < 0) {
    bare_tcp__throw(env, err, "read");
    return NULL;
  }

  handle->state |= bare_tcp_state_reading;

  return NULL;
}

/* hold(handle, room): the program paused the socket; from now on it reads
 * no more than `room` bytes (at least one read) per wake-up until its next
 * answer. */
js_value_t *
bare_tcp_hold(js_env_t *env, js_callback_info_t *info) {
  size_t argc = 2;
  js_value_t *argv[2];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (handle == NULL) return NULL;

  uint32_t room;

  if (argc < 2 || !bare_tcp__get_uint32(env, argv[1], UINT32_MAX - 1, &room)) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "hold() takes a number of bytes below 2^32 - 1");
    return NULL;
  }

  handle->read_room = room;
  handle->state |= bare_tcp_state_held;

  // Reads into the program's buffer are never batched, so nothing else
  // would stop them: a pause stops them now.
  if (handle->into && room == BARE_TCP_READ_FULL) {
    handle->state &= ~bare_tcp_state_resumed;
    bare_tcp__on_full(handle);
  }

  return NULL;
}

void
bare_tcp__into_release(bare_tcp_t *handle) {
  bare_tcp_into_t *into = handle->into;
  if (into == NULL) return;

  js_env_t *env = handle->module->env;

  handle->into = NULL;

  js_delete_reference(env, into->ref);
  js_release_arraybuffer_backing_store(env, into->store);
  free(into);
}

/*
 * readInto(handle, buffer): from now on every read of the socket goes into
 * `buffer`, a Uint8Array, and is handed over before the next one is made.
 * Reads are at most 1 GiB, so that their length fits the numbers they are
 * handed over with.
 */
js_value_t *
bare_tcp_read_into(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 2;
  js_value_t *argv[2];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (handle == NULL) return NULL;

  bool is_typedarray = false;
  if (argc >= 2) {
    err = js_is_typedarray(env, argv[1], &is_typedarray);
    assert(err == 0);
  }

  js_typedarray_type_t type;
  void *data = NULL;
  size_t len = 0;
  js_value_t *arraybuffer;
  size_t offset;

  if (is_typedarray) {
    err = js_get_typedarray_info(env, argv[1], &type, &data, &len, &arraybuffer, &offset);
    assert(err == 0);
  }

  if (!is_typedarray || type != js_uint8array || len == 0) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "readInto() takes a Uint8Array of at least one byte");
    return NULL;
  }

  bare_tcp_into_t *into = malloc(sizeof(bare_tcp_into_t));
  if (into == NULL) {
    bare_tcp__throw(env, UV_ENOMEM, "read");
    return NULL;
  }

  err = js_get_arraybuffer_backing_store(env, arraybuffer, &into->store);
  if (err < 0) {
    free(into);
    return NULL;
  }

  err = js_create_reference(env, argv[1], 1, &into->ref);
  assert(err == 0);

  into->data = data;
  into->len = len < (1u << 30) ? len : (1u << 30);

  bare_tcp__into_release(handle);
  handle->into = into;

  return NULL;
}

/*
 * revive_slab(slab): the program detached a slab's ArrayBuffer (through
 * chunk.buffer.transfer(), say) while reads still point into it. Its memory
 * is alive, held by slab_store or a retired slab's store, and a new
 * ArrayBuffer over it takes the old one's place for the reads still to be
 * delivered. The current slab is then used no more: the next read takes a
 * new one, so that memory the program now owns is not written again. Reads
 * made into it before this call are in that memory already (README.md,
 * "What bare-tcp guarantees", says what that costs a program that detaches
 * a chunk).
 */
js_value_t *
bare_tcp_revive_slab(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 1;
  js_value_t *argv[1];
  bare_tcp_module_t *module;
  err = js_get_callback_info(env, info, &argc, argv, NULL, (void **) &module);
  assert(err == 0);

  bare_tcp_reads_t *reads = module->reads;

  js_ref_t **ref = NULL;
  js_arraybuffer_backing_store_t *store = NULL;

  for (size_t i = 0; argc == 1 && i <= reads->retired_len && ref == NULL; i++) {
    js_ref_t **candidate = i < reads->retired_len ? &reads->retired[i].ref : &module->slab;
    if (*candidate == NULL) continue;

    js_value_t *value;
    err = js_get_reference_value(env, *candidate, &value);
    assert(err == 0);

    bool equal;
    err = js_strict_equals(env, value, argv[0], &equal);
    assert(err == 0);

    if (equal) {
      ref = candidate;
      store = i < reads->retired_len ? reads->retired[i].store : module->slab_store;
    }
  }

  if (ref == NULL) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "Not a read buffer in use");
    return NULL;
  }

  js_value_t *result;
  void *data;
  size_t len;
  err = js_create_arraybuffer_with_backing_store(env, store, &data, &len, &result);
  if (err < 0) return NULL;

  js_ref_t *revived;
  err = js_create_reference(env, result, 1, &revived);
  assert(err == 0);

  for (size_t i = 0; i < reads->len; i++) {
    if (reads->entries[i].slab == *ref) reads->entries[i].slab = revived;
  }

  if (*ref == module->slab) module->slab_used = module->slab_len;

  js_delete_reference(env, *ref);
  *ref = revived;

  return result;
}
