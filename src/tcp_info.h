#ifndef BARE_TCP_INFO_H
#define BARE_TCP_INFO_H

/*
 * Kept apart from tcp.h: reading TCP_INFO needs the kernel's <linux/tcp.h>,
 * whose struct tcp_info is newer than glibc's but whose macros clash with
 * <netinet/tcp.h>, which uv.h pulls in.
 */

#include <stdint.h>

typedef struct {
  uint32_t state;
  uint32_t rtt_us;
  uint32_t rtt_variance_us;
  uint32_t min_rtt_us;
  uint32_t congestion_window;
  uint32_t retransmits_in_flight;
  uint32_t total_retransmits;
  uint64_t bytes_acked;
  uint64_t bytes_received;
  uint64_t delivery_rate;
} bare_tcp_info_t;

/* 0 on success, or a negative errno; UV_ENOTSUP where there is no TCP_INFO. */
int
bare_tcp__read_info(int fd, bare_tcp_info_t *result);

#endif
