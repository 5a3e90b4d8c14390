/*
 * Live TCP statistics from the kernel, for socket.getInfo(). Linux only;
 * elsewhere the caller gets "not supported" and JavaScript returns null.
 */

#include <errno.h>
#include <string.h>

#include "tcp_info.h"

#if defined(__linux__)

#include <linux/tcp.h>
#include <netinet/in.h>
#include <sys/socket.h>

int
bare_tcp__read_info(int fd, bare_tcp_info_t *result) {
  struct tcp_info info;
  memset(&info, 0, sizeof(info));

  // An older kernel fills a shorter struct; the zeroed rest reads as 0.
  socklen_t len = sizeof(info);
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return -errno;

  result->state = info.tcpi_state;
  result->rtt_us = info.tcpi_rtt;
  result->rtt_variance_us = info.tcpi_rttvar;
  result->min_rtt_us = info.tcpi_min_rtt;
  result->congestion_window = info.tcpi_snd_cwnd;
  result->retransmits_in_flight = info.tcpi_retrans;
  result->total_retransmits = info.tcpi_total_retrans;
  result->bytes_acked = info.tcpi_bytes_acked;
  result->bytes_received = info.tcpi_bytes_received;
  result->delivery_rate = info.tcpi_delivery_rate;

  return 0;
}

#else

int
bare_tcp__read_info(int fd, bare_tcp_info_t *result) {
  (void) fd;
  (void) result;
  return -ENOTSUP;
}

#endif
