import assert from "node:assert/strict";
import fc from "fast-check";
import { randomLcg } from "../src/random.ts";
import {
  dirtyLayout,
  dirtyTrace,
  forwardingBuffers,
  hotSet,
  roundRobinWrites,
  uniformWrites,
  uniqueDirtyPages,
} from "../src/precopy/mod.ts";

// Brute force: every write event enumerated one by one, pages put in a Set.
function bruteUnique(
  o: {
    hot: number;
    rate: number;
    ws: number;
    pps: number;
    rx: number;
    other: number;
    perPacket: number;
  },
  from: number,
  to: number,
): number {
  const pages = new Set<string>();
  if (to > from) { for (let h = 0; h < o.hot; h++) pages.add(`h${h}`); }
  for (let k = 0; k / o.rate < to && o.rate > 0; k++) {
    if (k / o.rate >= from) pages.add(`c${k % o.ws}`);
  }
  for (let j = 0; j / o.pps < to && o.pps > 0; j++) {
    if (j / o.pps < from) continue;
    if (o.rx > 0) pages.add(`r${j % o.rx}`);
    for (let i = 0; i < o.perPacket && o.other > 0; i++) {
      pages.add(`o${(j * o.perPacket + i) % o.other}`);
    }
  }
  return pages.size;
}

Deno.test("dirtying: unique pages equal brute-force enumeration of every write", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 0, max: 5000 }).map((x) => x / 10),
      fc.integer({ min: 0, max: 64 }),
      fc.integer({ min: 0, max: 64 }),
      fc.integer({ min: 0, max: 3000 }).map((x) => x / 10),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 0, max: 2000 }).map((x) => x / 1000),
      fc.integer({ min: 0, max: 2000 }).map((x) => x / 1000),
      (hot, ws, rate, rx, other, pps, perPacket, a, b) => {
        const from = Math.min(a, b);
        const to = Math.max(a, b);
        const layout = dirtyLayout(hot + ws + rx + other + 7, [
          hotSet(hot),
          roundRobinWrites({ pagesPerSecond: rate, workingSetPages: ws }),
          forwardingBuffers({
            packetsPerSecond: pps,
            rxBufferPages: rx,
            otherBufferPages: other,
            otherPagesPerPacket: perPacket,
            netfront: "rx-copy",
          }),
        ]);
        const count = uniqueDirtyPages(layout, from, to);
        assert.equal(
          count.totalPages,
          bruteUnique(
            { hot, rate, ws, pps, rx, other, perPacket },
            from,
            to,
          ),
        );
      },
    ),
    { numRuns: 300, seed: 7 },
  );
});

Deno.test("dirtying: write events on exact decimal boundaries (half-open intervals)", () => {
  const layout = dirtyLayout(10_000, [
    roundRobinWrites({ pagesPerSecond: 1000, workingSetPages: 9000 }),
  ]);
  // Writes at 0, 0.001, ...: [0, 0.003) holds 3, whatever 0.003 is in binary.
  assert.equal(uniqueDirtyPages(layout, 0, 0.003).totalPages, 3);
  // 0.1 + 0.2 is 0.30000000000000004 in binary: the write at 0.3 is in.
  assert.equal(uniqueDirtyPages(layout, 0, 0.1 + 0.2).totalPages, 301);
  assert.equal(uniqueDirtyPages(layout, 0, 0.3).totalPages, 300);
  // At 100 writes/s, [0, 0.07) holds the writes at 0, ..., 0.06: 7. A
  // float count (the negative control) takes the write at 0.07 in too.
  const slow = dirtyLayout(10_000, [
    roundRobinWrites({ pagesPerSecond: 100, workingSetPages: 9000 }),
  ]);
  assert.equal(uniqueDirtyPages(slow, 0, 0.07).totalPages, 7);
  assert.equal(Math.ceil(0.07 * 100), 8);
  assert.equal(uniqueDirtyPages(layout, 0.5, 0.5).totalPages, 0);
});

Deno.test("dirtying: uniform random writes touch M (1 - exp(-D t / M)) pages, as a seeded simulation does", () => {
  const M = 4000;
  const D = 3000;
  for (const t of [0.1, 0.5, 1, 2, 5]) {
    const layout = dirtyLayout(M, [uniformWrites({ pagesPerSecond: D })]);
    const model = uniqueDirtyPages(layout, 1, 1 + t).totalPages;
    assert.equal(model, Math.round(M * (1 - Math.exp(-D * t / M))));
    // Independent: draw the writes (30 seeded runs) and count distinct pages.
    let sum = 0;
    const runs = 30;
    for (let s = 0; s < runs; s++) {
      const random = randomLcg(s);
      const seen = new Set<number>();
      for (let k = 0; k < Math.round(D * t); k++) {
        seen.add(Math.floor(random() * M));
      }
      sum += seen.size;
    }
    const mean = sum / runs;
    // The count's sd is below sqrt(M)/2; the mean of 30 within 4 sd / sqrt(30).
    assert.ok(
      Math.abs(mean - model) < 4 * Math.sqrt(M) / 2 / Math.sqrt(runs) + 1,
      `${t}: ${mean} vs ${model}`,
    );
    // Negative control: "every write a new page" (D t) is far off by 2 s.
    if (t >= 2) assert.ok(Math.abs(D * t - model) > 1000);
  }
});

Deno.test("dirtying: layout in the order given, one component takes the rest, clean pages last", () => {
  const layout = dirtyLayout(32768, [
    hotSet(730),
    forwardingBuffers({ packetsPerSecond: 100, otherBufferPages: 353 }),
    roundRobinWrites({ pagesPerSecond: 100 }),
  ], { pageFlipping: true });
  assert.deepEqual(
    layout.regions.map((r) => [r.label, r.firstPage, r.pages, r.deferred]),
    [
      ["hot-set", 0, 730, false],
      ["forwarding rx", 730, 256, true],
      ["forwarding other", 986, 353, false],
      ["round-robin", 1339, 32768 - 1339, false],
    ],
  );
  assert.equal(layout.cleanPages, 0);
  // rx-flip is the default only under a page-flipping hypervisor.
  const kvm = dirtyLayout(32768, [forwardingBuffers({ packetsPerSecond: 1 })]);
  assert.equal(kvm.regions[0].deferred, false);
  assert.equal(kvm.cleanPages, 32768 - 256);
  // A trace claims its largest round.
  assert.equal(
    dirtyLayout(100, [dirtyTrace([5, 40, 7])]).regions[0].pages,
    40,
  );
});

Deno.test("dirtying: bad input is an error naming the parameter, its value and range", () => {
  assert.throws(
    () => hotSet(-1),
    /hotSet.pages must be .*\[0, \+inf\); got -1/,
  );
  assert.throws(
    () => roundRobinWrites({ pagesPerSecond: NaN }),
    /roundRobinWrites.pagesPerSecond .*got NaN/,
  );
  assert.throws(
    () => roundRobinWrites({ pagesPerSecond: 1, workingSet: 5 } as never),
    /no option "workingSet"; did you mean "workingSetPages"/,
  );
  assert.throws(
    () => forwardingBuffers({ packetsPerSecond: 1, netfront: "flip" as never }),
    /netfront must be one of "rx-flip", "rx-copy"; got "flip"/,
  );
  assert.throws(
    () =>
      dirtyLayout(100, [
        forwardingBuffers({ packetsPerSecond: 1, netfront: "rx-flip" }),
      ]),
    /netfront must be "rx-copy" under a policy whose hypervisor does not flip/,
  );
  assert.throws(
    () => dirtyLayout(100, [hotSet(60), hotSet(50)]),
    /must fit in memory.*\[0, memoryPages = 100\]; got 110/,
  );
  assert.throws(
    () =>
      dirtyLayout(100, [
        roundRobinWrites({ pagesPerSecond: 1 }),
        uniformWrites({ pagesPerSecond: 1 }),
      ]),
    /dirty\[1\].regionPages must be given: dirty\[0\] already takes/,
  );
  assert.throws(
    () => dirtyLayout(100, [hotSet(1.5)]),
    /dirty\[0\].pages must be an integer/,
  );
  // Fluid accounting takes fractional pages.
  assert.equal(
    dirtyLayout(100.5, [hotSet(1.5)], { accounting: "bytes" }).cleanPages,
    99,
  );
  assert.throws(() => dirtyTrace([]), /pagesPerRound must be a non-empty/);
  assert.throws(() => dirtyTrace([3, -1]), /pagesPerRound\[1\].*got -1/);
  const layout = dirtyLayout(10, []);
  assert.throws(() => uniqueDirtyPages(layout, 1, 0.5), /toSeconds/);
});
