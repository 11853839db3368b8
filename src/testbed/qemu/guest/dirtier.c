/*
 * vnmig-dirtier: writes guest memory pages at a set rate over a set working
 * set, so that a pre-copy migration has a known dirtying load.
 *
 *   vnmig-dirtier PAGES_PER_SECOND WORKING_SET_PAGES PATTERN SEED
 *
 * PATTERN is "rr" (round-robin: page 0, 1, ..., W-1, 0, ...: a process
 * sweeping a buffer; W pages dirtied per W / rate seconds) or "random"
 * (uniform random pages from a xorshift64 generator seeded with SEED:
 * unique pages dirtied in t are W (1 - exp(-rate t / W))).
 *
 * It first fills every page of the working set with non-zero bytes (so no
 * page is a zero page QEMU could send in a few bytes), prints
 * "vnmig-dirtier ready ..." on stdout, then every 5 ms writes the pages
 * that are due since it started. Debt is capped at 100 ms of pages: after
 * the vCPU was stopped or throttled it goes on at the set rate instead of
 * bursting to catch up. Every second it prints the pages written so far and
 * the elapsed time, so the achieved rate is measured, not assumed.
 *
 * Build: gcc -static -O2 -o vnmig-dirtier dirtier.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE_BYTES 4096

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t xorshift64(uint64_t *state) {
  uint64_t x = *state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  *state = x;
  return x;
}

static int parse_positive(const char *text, const char *name, double max,
                          double *out) {
  char *end = NULL;
  double v = strtod(text, &end);
  if (end == text || *end != '\0' || !(v > 0) || v > max) {
    fprintf(stderr, "vnmig-dirtier: %s must be a number in (0, %.0f]; got %s\n",
            name, max, text);
    return -1;
  }
  *out = v;
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr,
            "usage: vnmig-dirtier PAGES_PER_SECOND WORKING_SET_PAGES rr|random SEED\n");
    return 2;
  }
  double rate, pages_d;
  if (parse_positive(argv[1], "PAGES_PER_SECOND", 1e7, &rate) != 0 ||
      parse_positive(argv[2], "WORKING_SET_PAGES", 1 << 22, &pages_d) != 0) {
    return 2;
  }
  int random_pattern = 0;
  if (strcmp(argv[3], "random") == 0) {
    random_pattern = 1;
  } else if (strcmp(argv[3], "rr") != 0) {
    fprintf(stderr, "vnmig-dirtier: PATTERN must be rr or random; got %s\n",
            argv[3]);
    return 2;
  }
  char *end = NULL;
  uint64_t seed = strtoull(argv[4], &end, 10);
  if (end == argv[4] || *end != '\0') {
    fprintf(stderr, "vnmig-dirtier: SEED must be an integer; got %s\n", argv[4]);
    return 2;
  }
  /* xorshift must not start at 0. */
  uint64_t state = seed * 0x9E3779B97F4A7C15ULL + 1;
  size_t pages = (size_t)pages_d;
  unsigned char *memory = aligned_alloc(PAGE_BYTES, pages * PAGE_BYTES);
  if (memory == NULL) {
    fprintf(stderr, "vnmig-dirtier: cannot allocate %zu pages\n", pages);
    return 1;
  }
  memset(memory, 0xA5, pages * PAGE_BYTES);
  printf("vnmig-dirtier ready pages_per_second=%.0f working_set_pages=%zu "
         "pattern=%s seed=%llu\n",
         rate, pages, argv[3], (unsigned long long)seed);
  fflush(stdout);

  const double max_debt = rate * 0.1;
  double start = now_seconds();
  double credit_start = start; /* time from which pages are due */
  uint64_t written = 0, due_base = 0, counter = 1;
  size_t next = 0;
  double next_report = start + 1;
  struct timespec tick = {0, 5 * 1000 * 1000};
  for (;;) {
    double t = now_seconds();
    double due = (double)due_base + (t - credit_start) * rate;
    if (due - (double)written > max_debt) {
      /* Stopped or throttled: forgive what is older than 100 ms. */
      due_base = written + (uint64_t)max_debt;
      credit_start = t;
      due = (double)due_base;
    }
    while ((double)written < due) {
      size_t page = random_pattern ? (size_t)(xorshift64(&state) % pages) : next;
      next = next + 1 == pages ? 0 : next + 1;
      /* One word per page is enough to dirty it; vary it so no page turns zero. */
      ((volatile uint64_t *)(memory + page * PAGE_BYTES))[counter % 512] = counter;
      counter++;
      written++;
    }
    if (t >= next_report) {
      printf("vnmig-dirtier written=%llu elapsed_seconds=%.3f\n",
             (unsigned long long)written, t - start);
      fflush(stdout);
      next_report += 1;
    }
    nanosleep(&tick, NULL);
  }
}
