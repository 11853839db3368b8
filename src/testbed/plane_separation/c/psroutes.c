/*
 * psroutes: the router VM's half of vnmig's route-synchronisation daemon
 * pair (plane-separation testbed). It reads the VM's routes from the kernel
 * over rtnetlink (those BIRD installed, and the connected ones) and serves
 * them as JSON lines over TCP to the Domain 0 daemon of whichever host the
 * VM runs on; it also counts the control probes (UDP) that reach the VM.
 *
 *   psroutes [--port 7000] [--probe-port 5999]
 *
 * A Domain 0 connects and writes one command per line:
 *   dump     every IPv4 route of the main table, one line each:
 *            {"op":"add","dst":"10.128.0.0/24","gw":"10.2.0.1","oif":"eth2","proto":12}
 *            then {"op":"end","count":N,"dumpNs":...}; after that, every
 *            route change as it happens ({"op":"add"} / {"op":"del"}).
 *   probes   {"op":"probes","sources":[{"from":"10.1.0.1","received":N,
 *            "ranges":[[first,last],...]}]}: the sequence numbers of the
 *            control probes received so far, per sender (4 at most).
 * A new connection replaces the previous one (after a migration the old
 * peer is on the other host).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEQ (1u << 20)

static int client = -1;
static int streaming = 0;
#define MAX_SOURCES 4
static unsigned char *seen[MAX_SOURCES];
static uint32_t source_addr[MAX_SOURCES];
static long probes_received[MAX_SOURCES];
static int sources = 0;

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void send_client(const char *s, size_t n) {
  while (client >= 0 && n > 0) {
    ssize_t w = send(client, s, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      close(client);
      client = -1;
      streaming = 0;
      return;
    }
    s += w;
    n -= (size_t)w;
  }
}

/* Formats one route message as a JSON line into out; returns its length or
   0 when the message is not a main-table IPv4 unicast route. */
static int route_json(struct nlmsghdr *h, char *out, size_t cap) {
  if (h->nlmsg_type != RTM_NEWROUTE && h->nlmsg_type != RTM_DELROUTE)
    return 0;
  struct rtmsg *r = NLMSG_DATA(h);
  if (r->rtm_family != AF_INET) return 0;
  int len = (int)RTM_PAYLOAD(h);
  uint32_t table = r->rtm_table;
  char dst[INET_ADDRSTRLEN] = "0.0.0.0", gw[INET_ADDRSTRLEN] = "";
  char oif[IF_NAMESIZE] = "";
  for (struct rtattr *a = RTM_RTA(r); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type == RTA_TABLE) table = *(uint32_t *)RTA_DATA(a);
    else if (a->rta_type == RTA_DST)
      inet_ntop(AF_INET, RTA_DATA(a), dst, sizeof dst);
    else if (a->rta_type == RTA_GATEWAY)
      inet_ntop(AF_INET, RTA_DATA(a), gw, sizeof gw);
    else if (a->rta_type == RTA_OIF) {
      if (!if_indextoname(*(uint32_t *)RTA_DATA(a), oif)) oif[0] = 0;
    }
  }
  if (table != RT_TABLE_MAIN || r->rtm_type != RTN_UNICAST) return 0;
  return snprintf(out, cap,
                  "{\"op\":\"%s\",\"dst\":\"%s/%d\",\"gw\":\"%s\","
                  "\"oif\":\"%s\",\"proto\":%d}\n",
                  h->nlmsg_type == RTM_NEWROUTE ? "add" : "del", dst,
                  r->rtm_dst_len, gw, oif, r->rtm_protocol);
}

static void dump_routes(void) {
  int64_t t0 = mono_ns();
  int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (nl < 0) return;
  struct {
    struct nlmsghdr h;
    struct rtmsg r;
  } req;
  memset(&req, 0, sizeof req);
  req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
  req.h.nlmsg_type = RTM_GETROUTE;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.h.nlmsg_seq = 1;
  req.r.rtm_family = AF_INET;
  send(nl, &req, req.h.nlmsg_len, 0);
  static char buf[1 << 16];
  static char out[1 << 17];
  long count = 0;
  int done = 0;
  while (!done) {
    ssize_t n = recv(nl, buf, sizeof buf, 0);
    if (n <= 0) break;
    size_t used = 0;
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n);
         h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
        done = 1;
        break;
      }
      int w = route_json(h, out + used, sizeof out - used);
      if (w > 0 && (size_t)w < sizeof out - used) {
        used += (size_t)w;
        count++;
      }
    }
    send_client(out, used);
  }
  close(nl);
  char end[128];
  int w = snprintf(end, sizeof end,
                   "{\"op\":\"end\",\"count\":%ld,\"dumpNs\":%lld}\n", count,
                   (long long)(mono_ns() - t0));
  send_client(end, (size_t)w);
  streaming = 1;
}

static void send_probes(void) {
  static char out[1 << 17];
  size_t used = (size_t)snprintf(out, sizeof out, "{\"op\":\"probes\",\"sources\":[");
  for (int k = 0; k < sources; k++) {
    char from[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &source_addr[k], from, sizeof from);
    used += (size_t)snprintf(out + used, sizeof out - used,
                             "%s{\"from\":\"%s\",\"received\":%ld,\"ranges\":[",
                             k ? "," : "", from, probes_received[k]);
    int first = 1;
    for (uint32_t i = 0; i < MAX_SEQ; i++) {
      if (!seen[k][i]) continue;
      uint32_t j = i;
      while (j + 1 < MAX_SEQ && seen[k][j + 1]) j++;
      if (used + 64 >= sizeof out) break;
      used += (size_t)snprintf(out + used, sizeof out - used, "%s[%u,%u]",
                               first ? "" : ",", i, j);
      first = 0;
      i = j;
    }
    used += (size_t)snprintf(out + used, sizeof out - used, "]}");
  }
  used += (size_t)snprintf(out + used, sizeof out - used, "]}\n");
  send_client(out, used);
}

static void count_probe(uint32_t from, uint32_t seq) {
  int k = 0;
  while (k < sources && source_addr[k] != from) k++;
  if (k == sources) {
    if (sources == MAX_SOURCES) return;
    seen[k] = calloc(MAX_SEQ, 1);
    if (!seen[k]) return;
    source_addr[k] = from;
    sources++;
  }
  if (seq < MAX_SEQ && !seen[k][seq]) {
    seen[k][seq] = 1;
    probes_received[k]++;
  }
}

int main(int argc, char **argv) {
  int port = 7000, probe_port = 5999;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--probe-port")) probe_port = atoi(argv[i + 1]);
    else {
      fprintf(stderr, "usage: psroutes [--port N] [--probe-port N]\n");
      return 2;
    }
  }
  int srv = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  if (bind(srv, (struct sockaddr *)&a, sizeof a) < 0 || listen(srv, 4) < 0) {
    perror("psroutes: listen");
    return 1;
  }
  int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  a.sin_port = htons((uint16_t)probe_port);
  if (bind(udp, (struct sockaddr *)&a, sizeof a) < 0) {
    perror("psroutes: probe port");
    return 1;
  }
  int mon = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  struct sockaddr_nl snl;
  memset(&snl, 0, sizeof snl);
  snl.nl_family = AF_NETLINK;
  snl.nl_groups = RTMGRP_IPV4_ROUTE;
  if (bind(mon, (struct sockaddr *)&snl, sizeof snl) < 0) {
    perror("psroutes: netlink");
    return 1;
  }
  int rcvbuf = 8 << 20;
  setsockopt(mon, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
  fprintf(stderr, "psroutes: listening on %d, probes on %d\n", port,
          probe_port);
  char line[256];
  size_t line_len = 0;
  static char buf[1 << 16];
  static char out[1 << 17];
  for (;;) {
    struct pollfd p[4] = {{srv, POLLIN, 0}, {udp, POLLIN, 0},
                          {mon, POLLIN, 0}, {client, POLLIN, 0}};
    int n = client >= 0 ? 4 : 3;
    if (poll(p, (nfds_t)n, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (p[0].revents & POLLIN) {
      int c = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
      if (c >= 0) {
        if (client >= 0) close(client);
        client = c;
        streaming = 0;
        line_len = 0;
        setsockopt(c, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof one);
      }
    }
    if (p[1].revents & POLLIN) {
      unsigned char d[2048];
      struct sockaddr_in from;
      socklen_t fl = sizeof from;
      ssize_t r = recvfrom(udp, d, sizeof d, 0, (struct sockaddr *)&from, &fl);
      if (r >= 4)
        count_probe(from.sin_addr.s_addr,
                    (uint32_t)d[0] << 24 | d[1] << 16 | d[2] << 8 | d[3]);
    }
    if (p[2].revents & POLLIN) {
      ssize_t r = recv(mon, buf, sizeof buf, 0);
      size_t used = 0;
      for (struct nlmsghdr *h = (struct nlmsghdr *)buf; r > 0 && NLMSG_OK(h, r);
           h = NLMSG_NEXT(h, r)) {
        int w = route_json(h, out + used, sizeof out - used);
        if (w > 0 && (size_t)w < sizeof out - used) used += (size_t)w;
      }
      if (streaming) send_client(out, used);
    }
    if (n == 4 && (p[3].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t r = recv(client, line + line_len, sizeof line - 1 - line_len, 0);
      if (r <= 0) {
        close(client);
        client = -1;
        streaming = 0;
        continue;
      }
      line_len += (size_t)r;
      line[line_len] = 0;
      char *nl;
      while ((nl = strchr(line, '\n'))) {
        *nl = 0;
        if (!strncmp(line, "dump", 4)) dump_routes();
        else if (!strncmp(line, "probes", 6)) send_probes();
        line_len -= (size_t)(nl + 1 - line);
        memmove(line, nl + 1, line_len + 1);
      }
      if (line_len >= sizeof line - 1) line_len = 0;
    }
  }
}
