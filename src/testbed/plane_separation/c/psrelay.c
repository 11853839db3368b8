/*
 * psrelay: the Domain 0 control relay of one virtual router on one host
 * (vnmig's plane-separation testbed).
 *
 * Domain 0 routes the router's data frames itself (an nftables rule in the
 * bridge); everything else for the router (its own addresses, OSPF
 * multicast, ARP) reaches this relay through a tap port of the bridge, and
 * the relay passes it to the VM's interface, and back. During a migration it
 * buffers the frames while the VM is paused (bounded: packets and bytes),
 * then carries them, and the new ones, to the other host through a GRE
 * tunnel (RFC 2784/2890: key = side, sequence = the relay's frame number,
 * protocol 0x6558, Ethernet frames). The tunnel is implemented here, on a
 * raw IPv4 socket of protocol 47, because the kernel this runs on has no
 * ip_gre module; on the wire it is plain GRE.
 *
 * Commands, one per line on stdin:
 *   side N BRIDGE_TAP           create the tap port of side N (0..7)
 *   bind N VM_IF                relay side N to the VM's interface VM_IF
 *   unbind N                    stop relaying side N
 *   peer LOCAL_IP PEER_IP       open the tunnel endpoint
 *   ping                        send a tunnel probe (the peer answers)
 *   mode idle|local|buffer|tunnel|drain|remote|down
 *   garp N MAC IP               send a gratuitous ARP reply on side N's bridge tap
 *   stats                       print the counters
 *   quit
 * Every frame handled and every state change is one JSON line on stdout,
 * with t = CLOCK_REALTIME in nanoseconds.
 *
 * Modes: idle (drop), local (bridge <-> VM), buffer (hold frames for the VM),
 * tunnel (flush the held frames, then send frames for the VM to the peer;
 * frames from the peer go to the bridge), drain (as tunnel, but multicast
 * and broadcast are not sent: the links moved and the peer gets its own
 * copies), remote (frames from the VM go to the peer, frames from the peer
 * to the VM, the local bridge's frames are not for this VM yet), down
 * (drop everything).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIDES 8
#define FRAME_MAX 2048
#define PING_KEY 0xfffffff0u
#define PONG_KEY 0xfffffff1u

enum mode { IDLE, LOCAL, BUFFER, TUNNEL, DRAIN, REMOTE, DOWN };
static const char *mode_names[] = {"idle", "local", "buffer", "tunnel",
                                   "drain", "remote", "down"};

struct side {
  int tap;    /* bridge-side tap fd, -1 when absent */
  int vm;     /* AF_PACKET socket on the VM's interface, -1 when unbound */
  int vm_ifindex;
  char tap_name[IFNAMSIZ];
};

struct held {
  int side;
  uint32_t id;
  int64_t arrival_ns;
  int len;
  unsigned char frame[FRAME_MAX];
};

static struct side sides[MAX_SIDES];
static enum mode mode = IDLE;
static int gre = -1;
static struct sockaddr_in peer_addr;
static uint32_t next_id = 0;
static struct held *queue;
static int queue_len = 0;
static long queue_bytes = 0;
static int cap_packets = 512;
static long cap_bytes = 256 * 1024;
static long counters[16];
enum { C_IN, C_OUT, C_DELIVER, C_BUFFERED, C_OVERFLOW, C_TUNNEL_TX,
       C_TUNNEL_RX, C_DROP, C_SUPPRESS, C_FLUSHED };

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void event(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  putchar('\n');
  fflush(stdout);
}

static void fail(const char *what) {
  event("{\"event\":\"error\",\"t\":%lld,\"what\":\"%s\",\"errno\":%d,"
        "\"message\":\"%s\"}",
        (long long)now_ns(), what, errno, strerror(errno));
}

/* A short, stable description of a frame: its kind for the analysis. */
static const char *frame_kind(const unsigned char *f, int len) {
  if (len < 14) return "short";
  uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
  if (type == 0x0806) return "arp";
  if (type != 0x0800 || len < 34) return "other";
  int proto = f[23];
  if (proto == 89) return "ospf";
  if (proto == 17) return "udp";
  if (proto == 1) return "icmp";
  if (proto == 6) return "tcp";
  return "ip";
}

/* The UDP destination port and first payload word (a control probe's
   sequence number), or -1. */
static void udp_probe(const unsigned char *f, int len, int *port, long *seq) {
  *port = -1;
  *seq = -1;
  if (len < 34 || f[12] != 0x08 || f[13] != 0x00 || f[23] != 17) return;
  int ihl = (f[14] & 0x0f) * 4;
  if (len < 14 + ihl + 8) return;
  const unsigned char *u = f + 14 + ihl;
  *port = u[2] << 8 | u[3];
  if (len >= 14 + ihl + 8 + 4)
    *seq = (long)((uint32_t)u[8] << 24 | u[9] << 16 | u[10] << 8 | u[11]);
}

static int log_all = 0;
static int probe_port = 5999;

/* Logged: OSPF, ARP and the control probes (every frame with --log-all);
   data frames only pass through here under Xen standard. */
static void log_frame(const char *fate, int side, uint32_t id, int64_t t,
                      int64_t arrival, const unsigned char *f, int len) {
  int port;
  long seq;
  udp_probe(f, len, &port, &seq);
  const char *kind = frame_kind(f, len);
  if (!log_all && strcmp(kind, "ospf") && strcmp(kind, "arp") &&
      !(port == probe_port && !strcmp(kind, "udp")))
    return;
  int mcast = len >= 1 && (f[0] & 1);
  char src[INET_ADDRSTRLEN] = "";
  if (len >= 34 && f[12] == 0x08 && f[13] == 0x00)
    inet_ntop(AF_INET, f + 26, src, sizeof src);
  event("{\"event\":\"frame\",\"fate\":\"%s\",\"side\":%d,\"id\":%u,"
        "\"t\":%lld,\"arrival\":%lld,\"len\":%d,\"kind\":\"%s\","
        "\"multicast\":%s,\"src\":\"%s\",\"port\":%d,\"seq\":%ld}",
        fate, side, id, (long long)t, (long long)arrival, len,
        kind, mcast ? "true" : "false", src, port, seq);
}

static void write_vm(int s, const unsigned char *f, int len) {
  if (sides[s].vm < 0) return;
  if (send(sides[s].vm, f, (size_t)len, 0) < 0) fail("send to VM");
}

static void write_bridge(int s, const unsigned char *f, int len) {
  if (sides[s].tap < 0) return;
  if (write(sides[s].tap, f, (size_t)len) < 0) fail("write to bridge");
}

static void gre_send(uint32_t key, uint32_t seq, const unsigned char *f,
                     int len) {
  if (gre < 0) return;
  unsigned char pkt[FRAME_MAX + 12];
  /* C=0 K=1 S=1, version 0, protocol transparent Ethernet bridging. */
  pkt[0] = 0x30;
  pkt[1] = 0x00;
  pkt[2] = 0x65;
  pkt[3] = 0x58;
  uint32_t k = htonl(key), q = htonl(seq);
  memcpy(pkt + 4, &k, 4);
  memcpy(pkt + 8, &q, 4);
  memcpy(pkt + 12, f, (size_t)len);
  if (sendto(gre, pkt, (size_t)len + 12, 0, (struct sockaddr *)&peer_addr,
             sizeof peer_addr) < 0)
    fail("gre send");
}

static void flush_queue(void) {
  /* No tunnel yet: the frames stay held until there is one. */
  if (gre < 0) return;
  for (int i = 0; i < queue_len; i++) {
    struct held *h = &queue[i];
    gre_send((uint32_t)h->side, h->id, h->frame, h->len);
    counters[C_FLUSHED]++;
    log_frame("flushed", h->side, h->id, now_ns(), h->arrival_ns, h->frame,
              h->len);
  }
  queue_len = 0;
  queue_bytes = 0;
}

/* A frame from the bridge, for the VM. */
static void from_bridge(int s, unsigned char *f, int len) {
  int64_t t = now_ns();
  uint32_t id = next_id++;
  counters[C_IN]++;
  int mcast = f[0] & 1;
  switch (mode) {
  case LOCAL:
    write_vm(s, f, len);
    counters[C_DELIVER]++;
    log_frame("deliver", s, id, now_ns(), t, f, len);
    break;
  case BUFFER:
  hold:
    if (queue_len + 1 > cap_packets || queue_bytes + len > cap_bytes) {
      counters[C_OVERFLOW]++;
      log_frame("overflow", s, id, t, t, f, len);
      break;
    }
    queue[queue_len].side = s;
    queue[queue_len].id = id;
    queue[queue_len].arrival_ns = t;
    queue[queue_len].len = len;
    memcpy(queue[queue_len].frame, f, (size_t)len);
    queue_len++;
    queue_bytes += len;
    counters[C_BUFFERED]++;
    log_frame("buffered", s, id, t, t, f, len);
    break;
  case DRAIN:
    if (gre < 0) goto hold;
    if (mcast) {
      counters[C_SUPPRESS]++;
      log_frame("suppressed", s, id, t, t, f, len);
      break;
    }
    /* fall through */
  case TUNNEL:
    if (gre < 0) goto hold;
    gre_send((uint32_t)s, id, f, len);
    counters[C_TUNNEL_TX]++;
    log_frame("tunnelled", s, id, now_ns(), t, f, len);
    break;
  default: /* idle, remote, down: not for a VM here */
    counters[C_DROP]++;
    if (mode != IDLE) log_frame("dropped", s, id, t, t, f, len);
    break;
  }
}

/* A frame from the VM, for the network. */
static void from_vm(int s, unsigned char *f, int len) {
  int64_t t = now_ns();
  uint32_t id = next_id++;
  counters[C_OUT]++;
  if (mode == REMOTE) {
    gre_send((uint32_t)s | 0x100u, id, f, len);
    counters[C_TUNNEL_TX]++;
    log_frame("out-tunnelled", s, id, now_ns(), t, f, len);
  } else if (mode == DOWN || mode == IDLE) {
    counters[C_DROP]++;
    log_frame("out-dropped", s, id, t, t, f, len);
  } else {
    write_bridge(s, f, len);
    log_frame("out", s, id, now_ns(), t, f, len);
  }
}

/* A GRE packet from the peer. */
static void from_gre(unsigned char *p, int len) {
  int64_t t = now_ns();
  if (len < 20) return;
  int ihl = (p[0] & 0x0f) * 4;
  unsigned char *g = p + ihl;
  int glen = len - ihl;
  if (glen < 12 || g[0] != 0x30 || g[2] != 0x65 || g[3] != 0x58) return;
  uint32_t key, seq;
  memcpy(&key, g + 4, 4);
  memcpy(&seq, g + 8, 4);
  key = ntohl(key);
  seq = ntohl(seq);
  unsigned char *f = g + 12;
  int flen = glen - 12;
  if (key == PING_KEY) {
    gre_send(PONG_KEY, seq, f, flen);
    event("{\"event\":\"ping\",\"t\":%lld,\"seq\":%u}", (long long)t, seq);
    return;
  }
  if (key == PONG_KEY) {
    event("{\"event\":\"tunnel-up\",\"t\":%lld,\"seq\":%u}", (long long)t,
          seq);
    return;
  }
  counters[C_TUNNEL_RX]++;
  int s = (int)(key & 0xff);
  if (s >= MAX_SIDES) return;
  if (key & 0x100u) {
    /* The VM's frame, sent by the peer that hosts it: out on our bridge. */
    write_bridge(s, f, flen);
    log_frame("relayed-out", s, seq, now_ns(), t, f, flen);
  } else if (sides[s].vm >= 0 && mode != DOWN && mode != IDLE) {
    write_vm(s, f, flen);
    log_frame("tunnel-deliver", s, seq, now_ns(), t, f, flen);
  } else {
    log_frame("tunnel-dropped", s, seq, t, t, f, flen);
  }
}

static int open_tap(const char *name) {
  int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (fd < 0) return -1;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static int open_packet(const char *ifname, int *ifindex) {
  unsigned idx = if_nametoindex(ifname);
  if (idx == 0) return -1;
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (fd < 0) return -1;
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = (int)idx;
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
    close(fd);
    return -1;
  }
  *ifindex = (int)idx;
  return fd;
}

static int parse_mac(const char *s, unsigned char mac[6]) {
  unsigned v[6];
  if (sscanf(s, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4],
             &v[5]) != 6)
    return -1;
  for (int i = 0; i < 6; i++) mac[i] = (unsigned char)v[i];
  return 0;
}

static void send_garp(int s, const char *mac_s, const char *ip_s) {
  unsigned char mac[6], f[60];
  struct in_addr ip;
  if (parse_mac(mac_s, mac) < 0 || inet_pton(AF_INET, ip_s, &ip) != 1) {
    event("{\"event\":\"error\",\"what\":\"garp arguments\"}");
    return;
  }
  memset(f, 0, sizeof f);
  memset(f, 0xff, 6);
  memcpy(f + 6, mac, 6);
  f[12] = 0x08, f[13] = 0x06;
  f[14] = 0, f[15] = 1, f[16] = 0x08, f[17] = 0, f[18] = 6, f[19] = 4;
  f[20] = 0, f[21] = 2; /* reply */
  memcpy(f + 22, mac, 6);
  memcpy(f + 28, &ip, 4);
  memset(f + 32, 0xff, 6);
  memcpy(f + 38, &ip, 4);
  write_bridge(s, f, 60);
  event("{\"event\":\"garp\",\"t\":%lld,\"side\":%d,\"ip\":\"%s\"}",
        (long long)now_ns(), s, ip_s);
}

static void print_stats(void) {
  event("{\"event\":\"stats\",\"t\":%lld,\"mode\":\"%s\",\"in\":%ld,"
        "\"out\":%ld,\"delivered\":%ld,\"buffered\":%ld,\"overflow\":%ld,"
        "\"tunnelTx\":%ld,\"tunnelRx\":%ld,\"dropped\":%ld,"
        "\"suppressed\":%ld,\"flushed\":%ld,\"held\":%d}",
        (long long)now_ns(), mode_names[mode], counters[C_IN], counters[C_OUT],
        counters[C_DELIVER], counters[C_BUFFERED], counters[C_OVERFLOW],
        counters[C_TUNNEL_TX], counters[C_TUNNEL_RX], counters[C_DROP],
        counters[C_SUPPRESS], counters[C_FLUSHED], queue_len);
}

static int command(char *line) {
  char a[64] = "", b[64] = "", c[64] = "", d[64] = "";
  int n = sscanf(line, "%63s %63s %63s %63s", a, b, c, d);
  if (n <= 0) return 0;
  long long t = (long long)now_ns();
  if (!strcmp(a, "side") && n == 3) {
    int s = atoi(b);
    if (s < 0 || s >= MAX_SIDES || sides[s].tap >= 0) {
      event("{\"event\":\"error\",\"what\":\"side %s\"}", b);
      return 0;
    }
    sides[s].tap = open_tap(c);
    if (sides[s].tap < 0) {
      fail("tap");
      return 0;
    }
    snprintf(sides[s].tap_name, IFNAMSIZ, "%s", c);
    event("{\"event\":\"side\",\"t\":%lld,\"side\":%d,\"tap\":\"%s\"}", t, s,
          c);
  } else if (!strcmp(a, "bind") && n == 3) {
    int s = atoi(b);
    if (s < 0 || s >= MAX_SIDES) return 0;
    if (sides[s].vm >= 0) close(sides[s].vm);
    sides[s].vm = open_packet(c, &sides[s].vm_ifindex);
    if (sides[s].vm < 0) {
      fail("bind");
      return 0;
    }
    event("{\"event\":\"bound\",\"t\":%lld,\"side\":%d,\"if\":\"%s\"}",
          (long long)now_ns(), s, c);
  } else if (!strcmp(a, "unbind") && n == 2) {
    int s = atoi(b);
    if (s < 0 || s >= MAX_SIDES) return 0;
    if (sides[s].vm >= 0) close(sides[s].vm);
    sides[s].vm = -1;
    event("{\"event\":\"unbound\",\"t\":%lld,\"side\":%d}", t, s);
  } else if (!strcmp(a, "peer") && n == 3) {
    struct sockaddr_in local;
    memset(&local, 0, sizeof local);
    local.sin_family = AF_INET;
    memset(&peer_addr, 0, sizeof peer_addr);
    peer_addr.sin_family = AF_INET;
    if (inet_pton(AF_INET, b, &local.sin_addr) != 1 ||
        inet_pton(AF_INET, c, &peer_addr.sin_addr) != 1) {
      event("{\"event\":\"error\",\"what\":\"peer addresses\"}");
      return 0;
    }
    if (gre >= 0) close(gre);
    gre = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_GRE);
    if (gre < 0 || bind(gre, (struct sockaddr *)&local, sizeof local) < 0) {
      fail("gre socket");
      return 0;
    }
    event("{\"event\":\"peer\",\"t\":%lld,\"local\":\"%s\",\"peer\":\"%s\"}",
          (long long)now_ns(), b, c);
  } else if (!strcmp(a, "ping")) {
    static uint32_t ping_seq = 0;
    unsigned char pad[14] = {0};
    gre_send(PING_KEY, ping_seq++, pad, sizeof pad);
    event("{\"event\":\"ping-sent\",\"t\":%lld}", t);
  } else if (!strcmp(a, "mode") && n == 2) {
    int m = -1;
    for (int i = 0; i <= DOWN; i++)
      if (!strcmp(b, mode_names[i])) m = i;
    if (m < 0) {
      event("{\"event\":\"error\",\"what\":\"mode %s\"}", b);
      return 0;
    }
    mode = (enum mode)m;
    event("{\"event\":\"mode\",\"t\":%lld,\"mode\":\"%s\"}", t, b);
    if (mode == TUNNEL || mode == DRAIN) flush_queue();
    if (mode == DOWN) {
      for (int i = 0; i < queue_len; i++)
        log_frame("flushed-lost", queue[i].side, queue[i].id, t,
                  queue[i].arrival_ns, queue[i].frame, queue[i].len);
      queue_len = 0;
      queue_bytes = 0;
    }
  } else if (!strcmp(a, "garp") && n == 4) {
    send_garp(atoi(b), c, d);
  } else if (!strcmp(a, "stats")) {
    print_stats();
  } else if (!strcmp(a, "quit")) {
    return 1;
  } else {
    event("{\"event\":\"error\",\"what\":\"unknown command\"}");
  }
  return 0;
}

int main(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--buffer-packets")) cap_packets = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--buffer-bytes")) cap_bytes = atol(argv[i + 1]);
    else if (!strcmp(argv[i], "--probe-port")) probe_port = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--log-all")) log_all = atoi(argv[i + 1]);
    else {
      fprintf(stderr, "usage: psrelay [--buffer-packets N] [--buffer-bytes B] [--probe-port P] [--log-all 0|1]\n");
      return 2;
    }
  }
  if (cap_packets < 0 || cap_bytes < 0) {
    fprintf(stderr, "psrelay: buffer capacities must be >= 0\n");
    return 2;
  }
  queue = calloc((size_t)(cap_packets > 0 ? cap_packets : 1), sizeof *queue);
  if (!queue) return 1;
  for (int s = 0; s < MAX_SIDES; s++) sides[s].tap = sides[s].vm = -1;
  char line[512];
  size_t line_len = 0;
  unsigned char buf[FRAME_MAX + 64];
  event("{\"event\":\"ready\",\"t\":%lld,\"bufferPackets\":%d,"
        "\"bufferBytes\":%ld}",
        (long long)now_ns(), cap_packets, cap_bytes);
  for (;;) {
    struct pollfd p[2 * MAX_SIDES + 2];
    int who[2 * MAX_SIDES + 2], n = 0;
    p[n].fd = 0, p[n].events = POLLIN, who[n++] = -1;
    if (gre >= 0) p[n].fd = gre, p[n].events = POLLIN, who[n++] = -2;
    for (int s = 0; s < MAX_SIDES; s++) {
      if (sides[s].tap >= 0)
        p[n].fd = sides[s].tap, p[n].events = POLLIN, who[n++] = s;
      if (sides[s].vm >= 0)
        p[n].fd = sides[s].vm, p[n].events = POLLIN, who[n++] = 100 + s;
    }
    if (poll(p, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      fail("poll");
      return 1;
    }
    for (int i = 0; i < n; i++) {
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (who[i] == -1) {
        ssize_t r = read(0, line + line_len, sizeof line - 1 - line_len);
        if (r <= 0) return 0; /* stdin closed: the harness went away */
        line_len += (size_t)r;
        line[line_len] = 0;
        char *nl;
        while ((nl = strchr(line, '\n'))) {
          *nl = 0;
          if (command(line)) return 0;
          line_len -= (size_t)(nl + 1 - line);
          memmove(line, nl + 1, line_len + 1);
        }
        if (line_len >= sizeof line - 1) line_len = 0;
      } else if (who[i] == -2) {
        ssize_t r = recv(gre, buf, sizeof buf, 0);
        if (r > 0) from_gre(buf, (int)r);
      } else if (who[i] >= 100) {
        int s = who[i] - 100;
        struct sockaddr_ll from;
        socklen_t fl = sizeof from;
        ssize_t r = recvfrom(sides[s].vm, buf, sizeof buf, 0,
                             (struct sockaddr *)&from, &fl);
        /* Our own writes to the VM show up as outgoing: skip them. */
        if (r > 0 && from.sll_pkttype != PACKET_OUTGOING)
          from_vm(s, buf, (int)r);
      } else {
        ssize_t r = read(sides[who[i]].tap, buf, sizeof buf);
        if (r > 0) from_bridge(who[i], buf, (int)r);
      }
    }
  }
}
