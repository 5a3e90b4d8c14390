#include <assert.h>
#include <bare.h>
#include <js.h>

#include "src/tcp.h"

static js_value_t *
bare_tcp_exports(js_env_t *env, js_value_t *exports) {
  int err;

  bare_tcp_module_t *module = bare_tcp__module_create(env);

  if (module == NULL) {
    js_throw_error(env, "ENOMEM", "Cannot allocate the bare-tcp module state");
    return NULL;
  }

#define V(name, fn) \
  { \
    js_value_t *val; \
    err = js_create_function(env, name, -1, fn, module, &val); \
    assert(err == 0); \
    err = js_set_named_property(env, exports, name, val); \
    assert(err == 0); \
  }

  V("setup", bare_tcp_setup)
  V("init", bare_tcp_init)
  V("close", bare_tcp_close)
  V("closeOwnedBy", bare_tcp_close_owned_by)
  V("ipcHandle", bare_tcp_ipc_handle)
  V("ref", bare_tcp_ref)
  V("keepalive", bare_tcp_keepalive)
  V("nodelay", bare_tcp_nodelay)
  V("userTimeout", bare_tcp_user_timeout)
  V("bufferSizes", bare_tcp_buffer_sizes)
  V("sockopts", bare_tcp_sockopts)
  V("info", bare_tcp_info)
  V("idle", bare_tcp_idle)
  V("lastActive", bare_tcp_last_active)
  V("counters", bare_tcp_counters)
  V("resume", bare_tcp_resume)
  V("hold", bare_tcp_hold)
  V("readInto", bare_tcp_read_into)
  V("reviveSlab", bare_tcp_revive_slab)
  V("writev", bare_tcp_writev)
  V("writeError", bare_tcp_write_error)
  V("end", bare_tcp_end)
  V("bind", bare_tcp_bind)
  V("connect", bare_tcp_connect)
  V("open", bare_tcp_open)
  V("adopt", bare_tcp_adopt)
  V("socketpair", bare_tcp_socketpair)
  V("listen", bare_tcp_listen)
  V("accept", bare_tcp_accept)
  V("sockname", bare_tcp_sockname)
  V("peername", bare_tcp_peername)
#undef V

  js_value_t *write;
  err = js_create_typed_function(
    env,
    "write",
    -1,
    bare_tcp_write,
    &((js_callback_signature_t){
      .version = 0,
      .result = js_int32,
      .args_len = 3,
      .args = (int[]){js_object, js_object, js_object},
    }),
    bare_tcp_write_typed,
    module,
    &write);
  assert(err == 0);

  err = js_set_named_property(env, exports, "write", write);
  assert(err == 0);

  // Errors JavaScript makes itself (a connect deadline, a failed lookup)
  // carry libuv's numbers too, by name.
  js_value_t *errnos;
  err = js_create_object(env, &errnos);
  assert(err == 0);

#define V(name, message) \
  { \
    js_value_t *val; \
    err = js_create_int32(env, UV_##name, &val); \
    assert(err == 0); \
    err = js_set_named_property(env, errnos, #name, val); \
    assert(err == 0); \
  }

  UV_ERRNO_MAP(V)
#undef V

  err = js_set_named_property(env, exports, "errnos", errnos);
  assert(err == 0);

  return exports;
}

BARE_MODULE(bare_tcp, bare_tcp_exports)
