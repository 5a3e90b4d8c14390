/* Plain libuv client and server for every bench scenario: the ceiling that the
 * JavaScript implementations are measured against. Same command line and
 * output lines as bench/impl/scenarios.js:
 *
 *   uvbench server <echo|sink|conn|idle|http> 0 [key=value...]  -> READY <port>
 *   uvbench client <stream|pingpong|connrate|idle> <port> [key=value...]
 *                                                    -> RESULT {json} | CONNECTED n
 *   uvbench version
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define PATTERN 251 /* prime, so a lost or repeated chunk shifts the pattern */
#define MSG 64
#define MAX_CONNECTING 128 /* stay well under the listen backlog */

static const char RESPONSE[] =
  "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n"
  "Connection: keep-alive\r\n\r\nhello";

typedef struct conn {
  uv_tcp_t tcp; /* first, so a handle pointer is also a conn pointer */
  uv_connect_t connect;
  uv_shutdown_t shutdown;
  uint64_t got; /* bytes received so far (sink) or of the current echo */
  uint32_t seq; /* ping-pong message number */
  int matched; /* http: how much of "\r\n\r\n" the previous read ended with */
  int pending; /* a uv_write is queued: the client waits for it (backpressure) */
  int replied;
  int bad;
} conn_t;

typedef struct {
  uv_write_t req;
  char data[];
} write_t;

static uv_loop_t *loop;
static struct sockaddr_in peer;
static const char *mode;
static int argc_;
static char **argv_;

/* Reads are consumed inside the read callback, so one buffer serves all. */
static char readbuf[65536];
static char *pattern;

static uint64_t total, write_size, count, target;
static uint64_t sent, ops, ops_mark, t_start, t_mark;
static int connected, started, running = 1, failures, is_client;
static uv_timer_t warm_timer, end_timer;

static void
die(const char *what, int err) {
  fprintf(stderr, "uvbench: %s: %s\n", what, err ? uv_strerror(err) : "failed");
  exit(1);
}

static uint64_t
opt(const char *key, uint64_t fallback) {
  size_t n = strlen(key);
  for (int i = 0; i < argc_; i++) {
    if (strncmp(argv_[i], key, n) == 0 && argv_[i][n] == '=') return strtoull(argv_[i] + n + 1, NULL, 10);
  }
  return fallback;
}

static int
is_mode(const char *m) {
  return strcmp(mode, m) == 0;
}

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  buf->base = readbuf;
  buf->len = sizeof(readbuf);
}

static void
on_close_free(uv_handle_t *h) {
  free(h);
}

static void
on_written(uv_write_t *req, int status) {
  conn_t *c = req->data;
  free(req);
  /* A server outlives its client; only a client's failed write is an error. */
  if (status < 0 && is_client) die("write", status);
  c->pending = 0;
}

/* Try the write now and queue only what the kernel did not take; returns 1
 * when something is queued. Unstable data (reused buffers) is copied first. */
static int
send_bytes(conn_t *c, const char *p, size_t n, int stable) {
  int r = uv_try_write((uv_stream_t *) &c->tcp, &(uv_buf_t){(char *) p, n}, 1);
  if (r == UV_EAGAIN) r = 0;
  if (r < 0) return -1;
  if ((size_t) r == n) return 0;
  p += r;
  n -= r;
  write_t *w = malloc(sizeof(write_t) + (stable ? 0 : n));
  uv_buf_t buf = uv_buf_init((char *) p, n);
  if (!stable) {
    memcpy(w->data, p, n);
    buf.base = w->data;
  }
  w->req.data = c;
  c->pending = 1;
  r = uv_write(&w->req, (uv_stream_t *) &c->tcp, &buf, 1, on_written);
  if (r < 0) die("write", r);
  return 1;
}

static void
report(void) {
  double ms = (uv_hrtime() - t_mark) / 1e6;
  printf("RESULT {\"ops\":%llu,\"ms\":%.3f}\n", (unsigned long long) (ops - ops_mark), ms);
  fflush(stdout);
  exit(0);
}

/* ---- server ---- */

static void
server_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  conn_t *c = (conn_t *) s;
  if (nread < 0) {
    uv_close((uv_handle_t *) s, on_close_free);
    return;
  }
  if (nread == 0) return;
  const unsigned char *d = (const unsigned char *) buf->base;

  if (is_mode("echo")) {
    if (send_bytes(c, buf->base, nread, 0) < 0) uv_close((uv_handle_t *) s, on_close_free);
  } else if (is_mode("sink")) {
    /* First and last byte of each read: cheap, and any loss, duplication or
     * reordering moves a read boundary off the pattern. */
    if (d[0] != c->got % PATTERN || d[nread - 1] != (c->got + nread - 1) % PATTERN) c->bad = 1;
    c->got += nread;
    if (c->got >= total && !c->replied) {
      c->replied = 1;
      send_bytes(c, c->bad || c->got != total ? "X" : "K", 1, 1);
    }
  } else if (is_mode("conn")) {
    if (!c->replied) {
      c->replied = 1;
      send_bytes(c, "y", 1, 1);
      uv_shutdown(&c->shutdown, s, NULL);
    }
  } else if (is_mode("http")) {
    static const char end[] = "\r\n\r\n";
    int requests = 0, m = c->matched;
    for (ssize_t i = 0; i < nread; i++) {
      if (d[i] == end[m])
        m++;
      else
        m = d[i] == '\r' ? 1 : 0;
      if (m == 4) {
        requests++;
        m = 0;
      }
    }
    c->matched = m;
    for (int i = 0; i < requests; i++) send_bytes(c, RESPONSE, sizeof(RESPONSE) - 1, 1);
  }
}

static void
on_connection(uv_stream_t *server, int status) {
  if (status < 0) die("accept", status);
  conn_t *c = calloc(1, sizeof(conn_t));
  uv_tcp_init(loop, &c->tcp);
  if (uv_accept(server, (uv_stream_t *) &c->tcp) < 0) {
    uv_close((uv_handle_t *) &c->tcp, on_close_free);
    return;
  }
  uv_read_start((uv_stream_t *) &c->tcp, on_alloc, server_read);
  if (is_mode("idle") && ++connected == (int) count) {
    printf("ACCEPTED %d\n", connected);
    fflush(stdout);
  }
}

static int
server(void) {
  static uv_tcp_t listener;
  struct sockaddr_in addr;
  struct sockaddr_storage bound;
  int len = sizeof(bound);
  total = opt("total", 0);
  count = opt("count", 0);
  uv_ip4_addr("127.0.0.1", 0, &addr);
  uv_tcp_init(loop, &listener);
  int r = uv_tcp_bind(&listener, (struct sockaddr *) &addr, 0);
  if (r == 0) r = uv_listen((uv_stream_t *) &listener, 511, on_connection);
  if (r < 0) die("listen", r);
  uv_tcp_getsockname(&listener, (struct sockaddr *) &bound, &len);
  printf("READY %d\n", ntohs(((struct sockaddr_in *) &bound)->sin_port));
  fflush(stdout);
  return uv_run(loop, UV_RUN_DEFAULT);
}

/* ---- clients ---- */

static conn_t *
dial(uv_connect_cb cb) {
  conn_t *c = calloc(1, sizeof(conn_t));
  uv_tcp_init(loop, &c->tcp);
  int r = uv_tcp_connect(&c->connect, &c->tcp, (struct sockaddr *) &peer, cb);
  if (r < 0) die("connect", r);
  return c;
}

/* stream: bulk and pipelined writes into the sink server.
 *
 * Every write produced while the previous batch was with the kernel goes out
 * as one uv_write (a writev): the best syscall pattern a JavaScript module can
 * reach, which is what makes this the ceiling. At most one batch of up to
 * BATCH_BYTES is in flight: that is the client's backpressure. */
#define BATCH_BUFS 1024 /* IOV_MAX on Linux */
#define BATCH_BYTES (256 * 1024)

static void pump(conn_t *c);

static void
on_batch_written(uv_write_t *req, int status) {
  if (status < 0) die("write", status);
  conn_t *c = req->data;
  c->pending = 0;
  pump(c);
}

static void
pump(conn_t *c) {
  static uv_buf_t bufs[BATCH_BUFS];
  static uv_write_t req;
  if (c->pending || sent >= total) return;
  unsigned nbufs = 0;
  uint64_t bytes = 0;
  while (sent < total && nbufs < BATCH_BUFS && bytes < BATCH_BYTES) {
    uint64_t n = total - sent < write_size ? total - sent : write_size;
    bufs[nbufs++] = uv_buf_init(pattern + sent % PATTERN, n);
    sent += n;
    bytes += n;
    ops++;
  }
  req.data = c;
  c->pending = 1;
  /* libuv copies the buf array; the bytes are the never-changing pattern. */
  int r = uv_write(&req, (uv_stream_t *) &c->tcp, bufs, nbufs, on_batch_written);
  if (r < 0) die("write", r);
}

static void
stream_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  if (nread < 0) die("read", nread);
  if (nread == 0) return;
  if (buf->base[0] != 'K') die("sink server found a corrupt stream", 0);
  double ms = (uv_hrtime() - t_start) / 1e6;
  printf("RESULT {\"ops\":%llu,\"bytes\":%llu,\"ms\":%.3f}\n", (unsigned long long) ops,
    (unsigned long long) total, ms);
  fflush(stdout);
  exit(0);
}

static void
stream_connected(uv_connect_t *req, int status) {
  if (status < 0) die("connect", status);
  conn_t *c = (conn_t *) req->handle;
  t_start = uv_hrtime();
  uv_read_start((uv_stream_t *) &c->tcp, on_alloc, stream_read);
  pump(c);
}

/* pingpong: `count` connections, one 64-byte message in flight on each;
 * every byte of message n is n & 0xff, so echoes are checked in order. */

static char messages[256][MSG];
static conn_t **all;

static void
on_warm(uv_timer_t *t) {
  ops_mark = ops;
  t_mark = uv_hrtime();
}

static void
on_end(uv_timer_t *t) {
  running = 0;
  report();
}

/* Measured window: `duration` ms after `warmup` ms; `max` bounds the count. */
static void
start_clock(void) {
  t_mark = uv_hrtime();
  uv_timer_init(loop, &warm_timer);
  uv_timer_init(loop, &end_timer);
  uint64_t warm = opt("warmup", 0);
  uv_timer_start(&warm_timer, on_warm, warm, 0);
  uv_timer_start(&end_timer, on_end, warm + opt("duration", 1000), 0);
}

static void
pingpong_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  conn_t *c = (conn_t *) s;
  if (nread < 0) die("read", nread);
  if (nread == 0) return;
  if (c->got == 0 && (unsigned char) buf->base[0] != (c->seq & 0xff)) die("echo out of order", 0);
  c->got += nread;
  if (c->got < MSG) return;
  if (c->got > MSG) die("echo longer than the message", 0);
  c->got = 0;
  c->seq++;
  if (++ops >= target) report();
  if (running) send_bytes(c, messages[c->seq & 0xff], MSG, 1);
}

static void
pingpong_connected(uv_connect_t *req, int status) {
  if (status < 0) die("connect", status);
  uv_read_start(req->handle, on_alloc, pingpong_read);
  if (++connected < (int) count) return;
  start_clock();
  for (int i = 0; i < connected; i++) send_bytes(all[i], messages[0], MSG, 1);
}

/* connrate: connect, 1 byte each way, close, `inflight` at a time */

static void connrate_one(void);

static void
connrate_closed(uv_handle_t *h) {
  conn_t *c = (conn_t *) h;
  if (c->replied) {
    if (++ops >= target) report();
  } else if (++failures > 1000) {
    die("too many failed connections", 0);
  }
  free(c);
  if (running) connrate_one();
}

static void
connrate_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  conn_t *c = (conn_t *) s;
  if (nread > 0 && !c->replied) {
    c->replied = 1;
    uv_shutdown(&c->shutdown, s, NULL);
  }
  if (nread < 0) uv_close((uv_handle_t *) s, connrate_closed);
}

static void
connrate_connected(uv_connect_t *req, int status) {
  conn_t *c = (conn_t *) req->handle;
  if (status < 0) {
    uv_close((uv_handle_t *) &c->tcp, connrate_closed);
    return;
  }
  uv_read_start(req->handle, on_alloc, connrate_read);
  send_bytes(c, "x", 1, 1);
}

static void
connrate_one(void) {
  dial(connrate_connected);
}

/* idle: once the orchestrator's gate sends a byte (it has read our base RSS
 * by then), open `count` connections and hold them, reading. */

static void idle_open(void);

static void
idle_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  if (nread < 0) die("idle connection lost", nread);
}

static void
idle_connected(uv_connect_t *req, int status) {
  if (status < 0) die("connect", status);
  uv_read_start(req->handle, on_alloc, idle_read);
  if (++connected == (int) count) {
    printf("CONNECTED %d\n", connected);
    fflush(stdout);
  }
  idle_open();
}

static void
idle_open(void) {
  while (started < (int) count && started - connected < MAX_CONNECTING) {
    started++;
    dial(idle_connected);
  }
}

static void
gate_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  if (nread < 0) die("gate closed", nread);
  if (nread > 0 && started == 0) idle_open();
}

static void
gate_connected(uv_connect_t *req, int status) {
  if (status < 0) die("gate connect", status);
  uv_read_start(req->handle, on_alloc, gate_read);
}

static int
client(int port) {
  uv_ip4_addr("127.0.0.1", port, &peer);
  count = opt("count", 1);
  target = opt("max", UINT64_MAX);

  if (is_mode("stream")) {
    total = opt("total", 0);
    write_size = opt("write", 65536);
    pattern = malloc(write_size + PATTERN);
    for (uint64_t i = 0; i < write_size + PATTERN; i++) pattern[i] = i % PATTERN;
    dial(stream_connected);
  } else if (is_mode("pingpong")) {
    for (int i = 0; i < 256; i++) memset(messages[i], i, MSG);
    all = calloc(count, sizeof(conn_t *));
    for (uint64_t i = 0; i < count; i++) all[i] = dial(pingpong_connected);
  } else if (is_mode("connrate")) {
    start_clock();
    for (uint64_t i = 0, n = opt("inflight", 16); i < n; i++) connrate_one();
  } else if (is_mode("idle")) {
    uv_ip4_addr("127.0.0.1", opt("gate", 0), &peer);
    dial(gate_connected); /* uv_tcp_connect copies the address */
    uv_ip4_addr("127.0.0.1", port, &peer);
  } else {
    die("unknown client scenario", 0);
  }
  return uv_run(loop, UV_RUN_DEFAULT);
}

int
main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "version") == 0) {
    printf("%s\n", uv_version_string());
    return 0;
  }
  if (argc < 4) {
    fprintf(stderr, "usage: uvbench server|client <scenario> <port> [key=value...]\n");
    return 2;
  }
  loop = uv_default_loop();
  mode = argv[2];
  argc_ = argc - 4;
  argv_ = argv + 4;
  is_client = strcmp(argv[1], "client") == 0;
  return is_client ? client(atoi(argv[3])) : server();
}
