/*
 * Conversions between socket addresses and JavaScript: an IP literal and a
 * port in, { address, family, port } out. Host names never get here; the
 * JavaScript layer resolves them first.
 *
 * bare_tcp__parse_address returns -1 after throwing for input that is not
 * an IP literal, and a libuv error, not thrown, for one the system refuses,
 * which the caller reports as its own system call's.
 */

#include <assert.h>
#include <netinet/in.h>
#include <string.h>

#include "tcp.h"

/* The longest literal worth parsing: an IPv6 address with a zone id. */
#define BARE_TCP_ADDRESS_MAX 64

int
bare_tcp__parse_address(js_env_t *env, js_value_t *host, uint32_t port, struct sockaddr_storage *result) {
  int err;

  bool is_string;
  err = js_is_string(env, host, &is_string);
  assert(err == 0);

  size_t len = 0;
  if (is_string) {
    err = js_get_value_string_utf8(env, host, NULL, 0, &len);
    assert(err == 0);
  }

  if (!is_string || len == 0 || len > BARE_TCP_ADDRESS_MAX) {
    bare_tcp__throw_code(env, "INVALID_HOST", "Host must be an IP address");
    return -1;
  }

  char ip[BARE_TCP_ADDRESS_MAX + 1];
  err = js_get_value_string_utf8(env, host, (utf8_t *) ip, sizeof(ip), NULL);
  assert(err == 0);
  ip[len] = '\0';

  memset(result, 0, sizeof(*result));

  if (strchr(ip, ':'))
    err = uv_ip6_addr(ip, (int) port, (struct sockaddr_in6 *) result);
  else
    err = uv_ip4_addr(ip, (int) port, (struct sockaddr_in *) result);

  if (err < 0) {
    bare_tcp__throw_code(env, "INVALID_HOST", "Host must be an IP address");
    return -1;
  }

  // A link-local address whose zone names no interface parses to scope 0,
  // which libuv would replace with a default interface: refused, as the
  // kernel refuses it for Node.js, rather than tried on the wrong link.
  // Other addresses need no zone, and an unknown one changes nothing.
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) result;
  if (result->ss_family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&in6->sin6_addr) && in6->sin6_scope_id == 0 && strchr(ip, '%')) {
    return UV_EINVAL;
  }

  return 0;
}

static js_value_t *
bare_tcp__address_object(js_env_t *env, const struct sockaddr_storage *addr) {
  int err;

  char ip[BARE_TCP_ADDRESS_MAX] = "";
  int port = 0;
  const char *family;

  if (addr->ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *) addr;
    uv_ip4_name(in, ip, sizeof(ip));
    port = ntohs(in->sin_port);
    family = "IPv4";
  } else if (addr->ss_family == AF_INET6) {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) addr;
    uv_ip6_name(in6, ip, sizeof(ip));
    port = ntohs(in6->sin6_port);
    family = "IPv6";

    // Keep the zone of a link-local address, like fe80::1%lo.
    if (in6->sin6_scope_id != 0) {
      size_t used = strlen(ip);
      char zone[BARE_TCP_ADDRESS_MAX];
      size_t zone_len = sizeof(zone);
      if (uv_if_indextoname(in6->sin6_scope_id, zone, &zone_len) == 0 && used + 1 + zone_len < sizeof(ip)) {
        ip[used] = '%';
        memcpy(ip + used + 1, zone, zone_len + 1);
      }
    }
  } else {
    return NULL;
  }

  js_value_t *result;
  err = js_create_object(env, &result);
  assert(err == 0);

  js_value_t *value;

  err = js_create_string_utf8(env, (const utf8_t *) ip, -1, &value);
  assert(err == 0);
  err = js_set_named_property(env, result, "address", value);
  assert(err == 0);

  err = js_create_string_utf8(env, (const utf8_t *) family, -1, &value);
  assert(err == 0);
  err = js_set_named_property(env, result, "family", value);
  assert(err == 0);

  err = js_create_int32(env, port, &value);
  assert(err == 0);
  err = js_set_named_property(env, result, "port", value);
  assert(err == 0);

  return result;
}

static js_value_t *
bare_tcp__name(js_env_t *env, js_callback_info_t *info, bool peer) {
  int err;

  size_t argc = 1;
  js_value_t *argv[1];

  // The peer is recorded when the connection is made, so that it can still
  // be named once the handle has closed; the local end cannot.
  bare_tcp_t *handle = bare_tcp__unwrap_args(env, info, &argc, argv, !peer);
  if (handle == NULL) return NULL;

  struct sockaddr_storage addr;
  int len = sizeof(addr);

  if (peer && handle->peer.sa.sa_family != 0) {
    memcpy(&addr, &handle->peer, sizeof(handle->peer));
    err = 0;
  } else if (peer && handle->state & (bare_tcp_state_closing | bare_tcp_state_closed)) {
    err = UV_EBADF;
  } else if (peer) {
    err = uv_tcp_getpeername(&handle->tcp, (struct sockaddr *) &addr, &len);
  } else {
    err = uv_tcp_getsockname(&handle->tcp, (struct sockaddr *) &addr, &len);
  }

  if (err < 0) {
    bare_tcp__throw(env, err, peer ? "getpeername" : "getsockname");
    return NULL;
  }

  js_value_t *result = bare_tcp__address_object(env, &addr);

  if (result == NULL) bare_tcp__throw(env, UV_EAFNOSUPPORT, peer ? "getpeername" : "getsockname");

  return result;
}

js_value_t *
bare_tcp_sockname(js_env_t *env, js_callback_info_t *info) {
  return bare_tcp__name(env, info, false);
}

js_value_t *
bare_tcp_peername(js_env_t *env, js_callback_info_t *info) {
  return bare_tcp__name(env, info, true);
}
