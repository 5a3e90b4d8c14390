#include <bare.h>
#include <js.h>
#include <uv.h>

static js_value_t *
bare_tcp_exports(js_env_t *env, js_value_t *exports) {
  return exports;
}

BARE_MODULE(bare_tcp, bare_tcp_exports)
