/*
 * Socket options of a connected socket, set and read back from the kernel:
 * keep-alive with its idle time, interval and probe count, Nagle's
 * algorithm, TCP_USER_TIMEOUT, and the kernel buffer sizes. Reading them
 * back (sockopts) returns what the kernel holds, not what was asked for, so
 * tests and getters see the truth: Linux doubles buffer sizes, for one.
 *
 * The options are set with setsockopt on the descriptor rather than through
 * uv_tcp_keepalive, because "0 keeps the system default" needs the idle time
 * left alone, which libuv's call cannot express.
 */

#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "tcp.h"
#include "tcp_info.h"

static int
bare_tcp__fd(bare_tcp_t *handle, int *fd) {
  uv_os_fd_t fileno;
  int err = uv_fileno((uv_handle_t *) &handle->tcp, &fileno);
  if (err < 0) return err;

  *fd = fileno;
  return 0;
}

static int
bare_tcp__setsockopt(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof(value)) == 0 ? 0 : uv_translate_sys_error(errno);
}

static int
bare_tcp__getsockopt(int fd, int level, int name, int *value) {
  socklen_t len = sizeof(*value);
  return getsockopt(fd, level, name, value, &len) == 0 ? 0 : uv_translate_sys_error(errno);
}

/* Linux refuses keep-alive times above 32767 s and more than 127 probes
 * with EINVAL; a longer time or more probes are taken as the most it
 * allows, the nearest it comes to what was asked. Node.js ignores the
 * failure instead, leaving the system's idle time (usually two hours). */
#if defined(__linux__)
#define BARE_TCP_KEEPALIVE_MAX_SECONDS 32767
#define BARE_TCP_KEEPALIVE_MAX_COUNT 127
#else
#define BARE_TCP_KEEPALIVE_MAX_SECONDS INT32_MAX
#define BARE_TCP_KEEPALIVE_MAX_COUNT INT32_MAX
#endif

static int
bare_tcp__at_most(uint32_t value, int max) {
  return value > (uint32_t) max ? max : (int) value;
}

/* keepalive(handle, enable, idleSeconds, intervalSeconds, count); 0 leaves a value as it is. */
js_value_t *
bare_tcp_keepalive(js_env_t *env, js_callback_info_t *info) {
  size_t argc = 5;
  js_value_t *argv[5];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (handle == NULL) return NULL;

  bool enable;
  uint32_t idle, interval, count;

  if (argc < 5 || !bare_tcp__get_bool(env, argv[1], &enable) || !bare_tcp__get_uint32(env, argv[2], INT32_MAX, &idle) || !bare_tcp__get_uint32(env, argv[3], INT32_MAX, &interval) || !bare_tcp__get_uint32(env, argv[4], INT32_MAX, &count)) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "keepalive() takes a boolean and three non-negative integers");
    return NULL;
  }

  if (handle->state & bare_tcp_state_unix) return NULL;

  int fd;
  int err = bare_tcp__fd(handle, &fd);

  if (err == 0) err = bare_tcp__setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, enable);

  if (err == 0 && enable && idle) err = bare_tcp__setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, bare_tcp__at_most(idle, BARE_TCP_KEEPALIVE_MAX_SECONDS));
  // Unset, a probe a second and ten of them, as libuv sets and so Node.js
  // and the published bare-tcp: the system's own (75 s, 9 probes) would
  // take minutes to drop a dead peer.
  if (err == 0 && enable) err = bare_tcp__setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, interval ? bare_tcp__at_most(interval, BARE_TCP_KEEPALIVE_MAX_SECONDS) : 1);
  if (err == 0 && enable) err = bare_tcp__setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, count ? bare_tcp__at_most(count, BARE_TCP_KEEPALIVE_MAX_COUNT) : 10);

  if (err < 0) bare_tcp__throw(env, err, "setsockopt");

  return NULL;
}

/* nodelay(handle, enable) */
js_value_t *
bare_tcp_nodelay(js_env_t *env, js_callback_info_t *info) {
  size_t argc = 2;
  js_value_t *argv[2];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (handle == NULL) return NULL;

  bool enable = false;

  if (argc < 2 || !bare_tcp__get_bool(env, argv[1], &enable)) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "nodelay() takes a boolean");
    return NULL;
  }

  if (handle->state & bare_tcp_state_unix) return NULL;

  int err = uv_tcp_nodelay(&handle->tcp, enable);
  if (err < 0) bare_tcp__throw(env, err, "setsockopt");

  return NULL;
}

/* userTimeout(handle, ms): how long sent data may stay unacknowledged before the connection fails. */
js_value_t *
bare_tcp_user_timeout(js_env_t *env, js_callback_info_t *info) {
  size_t argc = 2;
  js_value_t *argv[2];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (handle == NULL) return NULL;

  uint32_t ms;

  if (argc < 2 || !bare_tcp__get_uint32(env, argv[1], INT32_MAX, &ms)) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "userTimeout() takes a non-negative integer of milliseconds");
    return NULL;
  }

  if (handle->state & bare_tcp_state_unix) return NULL;

  int fd;
  int err = bare_tcp__fd(handle, &fd);

#ifdef TCP_USER_TIMEOUT
  if (err == 0) err = bare_tcp__setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, (int) ms);
#else
  if (err == 0) err = UV_ENOTSUP;
#endif

  if (err < 0) bare_tcp__throw(env, err, "setsockopt");

  return NULL;
}

/* bufferSizes(handle, send, recv): 0 leaves a size as it is. */
js_value_t *
bare_tcp_buffer_sizes(js_env_t *env, js_callback_info_t *info) {
  size_t argc = 3;
  js_value_t *argv[3];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (handle == NULL) return NULL;

  uint32_t send, recv;

  if (argc < 3 || !bare_tcp__get_uint32(env, argv[1], INT32_MAX, &send) || !bare_tcp__get_uint32(env, argv[2], INT32_MAX, &recv)) {
    bare_tcp__throw_code(env, "INVALID_ARGUMENT", "bufferSizes() takes two non-negative integers");
    return NULL;
  }

  int value, err = 0;

  if (send) {
    value = (int) send;
    err = uv_send_buffer_size((uv_handle_t *) &handle->tcp, &value);
  }

  if (err == 0 && recv) {
    value = (int) recv;
    err = uv_recv_buffer_size((uv_handle_t *) &handle->tcp, &value);
  }

  if (err < 0) bare_tcp__throw(env, err, "setsockopt");

  return NULL;
}

static void
bare_tcp__set_number(js_env_t *env, js_value_t *object, const char *name, double number) {
  js_value_t *value;
  int err = js_create_double(env, number, &value);
  assert(err == 0);

  err = js_set_named_property(env, object, name, value);
  assert(err == 0);
}

/*
 * sockopts(handle): { keepAlive, keepAliveIdle, keepAliveInterval,
 * keepAliveCount, userTimeout, noDelay, sendBufferSize, recvBufferSize } as
 * the kernel holds them, times in seconds except userTimeout in ms.
 */
js_value_t *
bare_tcp_sockopts(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 1;
  js_value_t *argv[1];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (handle == NULL) return NULL;

  int fd;
  err = bare_tcp__fd(handle, &fd);
  if (err < 0) {
    bare_tcp__throw(env, err, "getsockopt");
    return NULL;
  }

  struct {
    const char *name;
    int level;
    int option;
  } options[] = {
    {"keepAlive", SOL_SOCKET, SO_KEEPALIVE},
    {"keepAliveIdle", IPPROTO_TCP, TCP_KEEPIDLE},
    {"keepAliveInterval", IPPROTO_TCP, TCP_KEEPINTVL},
    {"keepAliveCount", IPPROTO_TCP, TCP_KEEPCNT},
#ifdef TCP_USER_TIMEOUT
    {"userTimeout", IPPROTO_TCP, TCP_USER_TIMEOUT},
#endif
    {"noDelay", IPPROTO_TCP, TCP_NODELAY},
    {"sendBufferSize", SOL_SOCKET, SO_SNDBUF},
    {"recvBufferSize", SOL_SOCKET, SO_RCVBUF},
  };

  js_value_t *result;
  err = js_create_object(env, &result);
  assert(err == 0);

  for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
    if (options[i].level == IPPROTO_TCP && handle->state & bare_tcp_state_unix) continue;

    int value;
    err = bare_tcp__getsockopt(fd, options[i].level, options[i].option, &value);
    if (err < 0) {
      bare_tcp__throw(env, err, "getsockopt");
      return NULL;
    }

    bare_tcp__set_number(env, result, options[i].name, value);
  }

  return result;
}

/* info(handle): TCP_INFO as an object, or null where the platform has none. */
js_value_t *
bare_tcp_info(js_env_t *env, js_callback_info_t *info) {
  int err;

  size_t argc = 1;
  js_value_t *argv[1];

  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, true);
  if (handle == NULL) return NULL;

  js_value_t *result;

  int fd;
  err = bare_tcp__fd(handle, &fd);

  bare_tcp_info_t stats;
  if (err == 0) err = handle->state & bare_tcp_state_unix ? -ENOTSUP : bare_tcp__read_info(fd, &stats);

  if (err == -ENOTSUP) {
    err = js_get_null(env, &result);
    assert(err == 0);
    return result;
  }

  if (err < 0) {
    bare_tcp__throw(env, err == UV_EBADF ? err : uv_translate_sys_error(-err), "getsockopt");
    return NULL;
  }

  err = js_create_object(env, &result);
  assert(err == 0);

  bare_tcp__set_number(env, result, "state", stats.state);
  bare_tcp__set_number(env, result, "rttMicroseconds", stats.rtt_us);
  bare_tcp__set_number(env, result, "rttVarianceMicroseconds", stats.rtt_variance_us);
  bare_tcp__set_number(env, result, "minRttMicroseconds", stats.min_rtt_us);
  bare_tcp__set_number(env, result, "congestionWindowSegments", stats.congestion_window);
  bare_tcp__set_number(env, result, "retransmitsInFlight", stats.retransmits_in_flight);
  bare_tcp__set_number(env, result, "totalRetransmits", stats.total_retransmits);
  bare_tcp__set_number(env, result, "bytesAcked", (double) stats.bytes_acked);
  bare_tcp__set_number(env, result, "bytesReceived", (double) stats.bytes_received);
  bare_tcp__set_number(env, result, "deliveryRateBytesPerSecond", (double) stats.delivery_rate);

  return result;
}
