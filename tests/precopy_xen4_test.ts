import assert from "node:assert/strict";
import {
  composePolicy,
  dirtyTrace,
  forwardingBuffers,
  hotSet,
  precopyMigration,
  type PrecopyOptions,
  roundRobinWrites,
  XEN4,
  xen4,
} from "../src/precopy/mod.ts";

// lambda = 1/2 with every quantity a binary fraction: exact integers.
const EXACT: PrecopyOptions = {
  memoryPages: 2 ** 20,
  perPageOverheadBytes: 0,
  linkBitsPerSecond: 2 ** 30, // 32768 pages/s
  dirty: roundRobinWrites({ pagesPerSecond: 2 ** 14 }),
};

Deno.test("xen4: the 50-page test is on sent + skipped of the round just finished, not on what the next would send", () => {
  const xen = precopyMigration(EXACT);
  // 2^20 / 2^i < 50 first for the round that sent 32 pages: round 16.
  assert.deepEqual(xen.stopReasons, ["sent-and-skipped-below"]);
  assert.equal(xen.iterations, 16);
  assert.equal(xen.rounds.at(-1)!.pagesSent, 32);
  assert.equal(xen.stopAndCopyPages, 16);
  // Negative control: the other test stops one round earlier.
  const next = precopyMigration({
    ...EXACT,
    policy: composePolicy(XEN4, {
      name: "next-round",
      conditions: [
        { kind: "max-iters", iterations: 29 },
        { kind: "dirtied-below", pages: 50 },
        { kind: "max-factor", factor: 3 },
      ],
    }),
  });
  assert.equal(next.iterations, 15);
  assert.equal(next.stopAndCopyPages, 32);
  assert.deepEqual(next.stopReasons, ["dirtied-below"]);
});

Deno.test("xen4: 29 iterations when a hot set of 50+ pages keeps sent + skipped up; both conditions reported in order when both hold", () => {
  const r = precopyMigration({
    memoryPages: 32768,
    dirty: [hotSet(50), roundRobinWrites({ pagesPerSecond: 500 })],
  });
  assert.deepEqual(r.stopReasons, ["max-iters"]);
  assert.equal(r.iterations, 29);
  assert.ok(r.rounds.every((x) => x.pagesSent + x.pagesSkipped >= 50));
  // 40 hot pages: sent + skipped falls below 50 exactly at round 29 when
  // the background is silent enough; with a cap of 3 both hold there.
  const both = precopyMigration({
    memoryPages: 32768,
    policy: xen4({ maxIters: 3 }),
    dirty: [hotSet(40)],
  });
  assert.equal(both.iterations, 2);
  assert.deepEqual(both.stopReasons, ["sent-and-skipped-below"]);
  const three = precopyMigration({
    memoryPages: 32768,
    policy: xen4({ maxIters: 2 }),
    dirty: [hotSet(40)],
  });
  assert.deepEqual(three.stopReasons, [
    "max-iters",
    "sent-and-skipped-below",
  ]);
});

Deno.test("xen4: more than 3 x memory sent at lambda = 1, every write counted", () => {
  // 1000 pages/s over a 1000-page VM through a 1000 pages/s link: each
  // round resends all 1000 (the 1000 writes of the round, none lost); after
  // round 4 the total (4000) exceeds 3000.
  const r = precopyMigration({
    memoryPages: 1000,
    perPageOverheadBytes: 0,
    linkBitsPerSecond: 4096 * 8 * 1000,
    dirty: roundRobinWrites({ pagesPerSecond: 1000 }),
  });
  assert.deepEqual(r.stopReasons, ["max-factor"]);
  assert.equal(r.iterations, 4);
  assert.equal(r.iterativePagesSent, 4000);
  assert.deepEqual(r.rounds.map((x) => x.pagesDirtied), [
    1000,
    1000,
    1000,
    1000,
  ]);
  assert.equal(r.stopAndCopyPages, 1000);
  // Negative control: a factor of 4 needs one more round.
  const four = precopyMigration({
    memoryPages: 1000,
    perPageOverheadBytes: 0,
    linkBitsPerSecond: 4096 * 8 * 1000,
    dirty: roundRobinWrites({ pagesPerSecond: 1000 }),
    policy: xen4({ maxFactor: 4 }),
  });
  assert.equal(four.iterations, 5);
});

Deno.test("xen4: per-batch to_skip: a short round (one batch) skips nothing, a long one skips the hot pages past its first batch", () => {
  // Hot pages first in memory. Round 1 (all 32768 pages): batch 0 sends the
  // first 1024 pages, hot ones included; later batches see every hot page
  // dirty again. Here the hot set is bigger than a batch.
  const big = precopyMigration({
    memoryPages: 32768,
    dirty: [hotSet(3000)],
  });
  assert.equal(big.rounds[0].pagesSent, 32768 - (3000 - 1024));
  assert.equal(big.rounds[0].pagesSkipped, 3000 - 1024);
  // Round 2 sends the 3000 hot pages: batch 0 sends 1024, the rest are
  // skipped as dirty again at batch 1's snapshot.
  assert.equal(big.rounds[1].pagesSent, 1024);
  assert.equal(big.rounds[1].pagesSkipped, 3000 - 1024);
  // A hot set within one batch is sent in full every round: its pages are
  // not yet dirty again at the round's only snapshot, taken as it begins.
  const small = precopyMigration({ memoryPages: 32768, dirty: [hotSet(730)] });
  assert.ok(small.rounds.slice(1).every((x) => x.pagesSent === 730));
  assert.ok(small.rounds.every((x) => x.pagesSkipped === 0));
  assert.deepEqual(small.stopReasons, ["max-iters"]);
  // Negative control: no skipping at all sends every hot page every round.
  const noSkip = precopyMigration({
    memoryPages: 32768,
    dirty: [hotSet(3000)],
    policy: composePolicy(XEN4, { skipBatchPages: 0 }),
  });
  assert.equal(noSkip.rounds[1].pagesSent, 3000);
});

Deno.test("xen4: a writer slower than the sender is never overtaken; a faster one is skipped where it laps", () => {
  const slow = precopyMigration({
    memoryPages: 32768,
    dirty: roundRobinWrites({ pagesPerSecond: 2000 }),
  });
  assert.ok(slow.rounds.every((x) => x.pagesSkipped === 0));
  // At 100 Mbit/s (3046 pages/s) a 5000 pages/s writer over 8192 pages
  // catches the sender in round 1: pages it rewrote ahead are skipped.
  const fast = precopyMigration({
    memoryPages: 32768,
    linkBitsPerSecond: 100e6,
    dirty: roundRobinWrites({ pagesPerSecond: 5000, workingSetPages: 8192 }),
  });
  assert.ok(fast.rounds[0].pagesSkipped > 0);
  assert.equal(
    fast.rounds[0].pagesSent + fast.rounds[0].pagesSkipped,
    32768,
  );
});

Deno.test("xen4 limiter: 100 Mbit/s, then the round's dirty rate + 50 when it exceeds the rate, capped at 500; off by default", () => {
  const dirty = roundRobinWrites({
    pagesPerSecond: 5000,
    workingSetPages: 8192,
  });
  const off = precopyMigration({ memoryPages: 32768, dirty });
  assert.ok(off.rounds.every((x) => x.bitsPerSecond === 1e9));
  const on = precopyMigration({
    memoryPages: 32768,
    dirty,
    policy: xen4({ adaptiveSave: true }),
  });
  // Xen's ratewrite: 100 KiB every floor(781250 / mbit) us.
  const wire = (mbit: number) => 819200e6 / Math.floor(781250 / mbit);
  let mbit = 100;
  for (const round of on.rounds) {
    assert.equal(round.bitsPerSecond, Math.min(1e9, wire(mbit)));
    // print_stats: dirtied pages x 4096 / (whole ms x 125), integer Mbit/s.
    const ms = Math.max(1, Math.floor(round.durationSeconds * 1000));
    const dirtyMbit = Math.floor(round.pagesDirtied * 4096 / (ms * 125));
    if (dirtyMbit > mbit) mbit = Math.min(500, dirtyMbit + 50);
  }
  const mbits = on.rounds.map((x) => Math.round(x.bitsPerSecond / 1e6));
  // Round 1's 26 Mbit/s of dirtying keeps 100; round 2's 161 makes 211.
  assert.deepEqual(mbits.slice(0, 4), [105, 105, 221, 221]);
  // Negative control: the old fixed ramp (100, 150, 200...) is not it.
  assert.notDeepEqual(mbits.slice(0, 3), [105, 157, 210]);
  // The final round is never limited.
  assert.equal(on.stopAndCopySeconds, on.stopAndCopyPages * 4104 * 8 / 1e9);
});

Deno.test("xen4 limiter: the fourth stop clause, sent_this_iter > sent_last_iter at 500 Mbit/s", () => {
  const r = precopyMigration({
    memoryPages: 32768,
    dirty: roundRobinWrites({ pagesPerSecond: 20000, workingSetPages: 16384 }),
    policy: xen4({ adaptiveSave: true }),
  });
  assert.deepEqual(r.stopReasons, ["rate-is-max"]);
  const [, second, third] = r.rounds;
  assert.equal(third.bitsPerSecond, 819200e6 / 1562);
  assert.ok(third.pagesSent > second.pagesSent);
  // Negative control: without the limiter the clause does not exist.
  const off = precopyMigration({
    memoryPages: 32768,
    dirty: roundRobinWrites({ pagesPerSecond: 20000, workingSetPages: 16384 }),
  });
  assert.ok(!off.stopReasons.includes("rate-is-max"));
});

Deno.test("xen4: page-flipped RX buffers wait for the final round (rx-flip); copied ones are ordinary pages (rx-copy)", () => {
  const base = {
    memoryPages: 32768,
    linkBitsPerSecond: 100e6,
  } as const;
  const idle = precopyMigration({ ...base, dirty: [hotSet(60)] });
  const flip = precopyMigration({
    ...base,
    dirty: [hotSet(60), forwardingBuffers({ packetsPerSecond: 5000 })],
  });
  // rx-flip is Xen's default: all 256 RX pages in stop-and-copy, none sent
  // before, and the iterative rounds send what they sent when idle.
  assert.equal(flip.stopAndCopyDeferredPages, 256);
  assert.equal(flip.stopAndCopyPages - idle.stopAndCopyPages, 256);
  assert.equal(flip.rounds[0].pagesSent, 32768 - 256);
  assert.deepEqual(
    flip.rounds.slice(1).map((x) => x.pagesSent),
    idle.rounds.slice(1).map((x) => x.pagesSent),
  );
  const copy = precopyMigration({
    ...base,
    dirty: [
      hotSet(60),
      forwardingBuffers({ packetsPerSecond: 5000, netfront: "rx-copy" }),
    ],
  });
  assert.equal(copy.stopAndCopyDeferredPages, 0);
  assert.equal(copy.rounds[0].pagesSent, 32768);
  // Copied RX pages are sent in the rounds (and skipped where rewritten).
  assert.ok(copy.rounds[1].pagesSent + copy.rounds[1].pagesSkipped > 60);
  // Few packets: only the RX pages they wrote wait.
  const few = precopyMigration({
    ...base,
    dirty: [hotSet(60), forwardingBuffers({ packetsPerSecond: 10 })],
  });
  const packets = Math.ceil(few.iterativeSeconds * 10);
  assert.equal(few.stopAndCopyDeferredPages, Math.min(256, packets));
});

Deno.test("xen4: every condition that holds, in Xen's order, the limiter's clause among them", () => {
  // A measured trace makes the rounds' sizes exact: round 1 sends the 1000
  // pages, round 2 the 60 the trace dirtied in round 1, round 3 the 400 of
  // round 2. Round 2 lasts 18 ms at 104.86 Mbit/s and dirties 400 pages:
  // 728 Mbit/s, so the limiter goes to its maximum (150 here). After round
  // 3: 400 > 60 at the maximum, 3 iterations, 1460 > 1.1 x 1000 pages sent.
  const options = {
    memoryPages: 1000,
    dirty: dirtyTrace([60, 400, 400]),
  };
  const r = precopyMigration({
    ...options,
    policy: xen4({
      adaptiveSave: { maxMbitPerSecond: 150 },
      maxIters: 3,
      maxFactor: 1.1,
    }),
  });
  assert.equal(r.iterations, 3);
  assert.deepEqual(r.rounds.map((x) => x.pagesSent), [1000, 60, 400]);
  assert.deepEqual(r.stopReasons, ["rate-is-max", "max-iters", "max-factor"]);
  // Negative controls: one cap lifted at a time drops just its reason.
  const noFactor = precopyMigration({
    ...options,
    policy: xen4({
      adaptiveSave: { maxMbitPerSecond: 150 },
      maxIters: 3,
      maxFactor: 2,
    }),
  });
  assert.deepEqual(noFactor.stopReasons, ["rate-is-max", "max-iters"]);
  const slowLimiter = precopyMigration({
    ...options,
    policy: xen4({
      adaptiveSave: { maxMbitPerSecond: 1000 },
      maxIters: 3,
      maxFactor: 1.1,
    }),
  });
  assert.deepEqual(slowLimiter.stopReasons, ["max-iters", "max-factor"]);
});

Deno.test("xen4: conditions that first hold in an extrapolated steady state are all reported, in order", () => {
  // lambda = 1: every round repeats the first (a steady state); after
  // round 4 both max-iters (4) and max-factor (4000 > 3000) hold.
  const options = {
    memoryPages: 1000,
    perPageOverheadBytes: 0,
    linkBitsPerSecond: 4096 * 8 * 1000,
    dirty: roundRobinWrites({ pagesPerSecond: 1000 }),
  };
  const both = precopyMigration({ ...options, policy: xen4({ maxIters: 4 }) });
  assert.equal(both.iterations, 4);
  assert.deepEqual(both.stopReasons, ["max-iters", "max-factor"]);
  // Far out: 10^6 rounds, counted in closed form: only round 1 is
  // simulated, the fixed point it reaches repeats.
  const far = precopyMigration({
    ...options,
    policy: xen4({ maxIters: 1e6, maxFactor: 1e6 - 1 }),
    recordRounds: false,
  });
  assert.equal(far.iterations, 1e6);
  assert.equal(far.steadyStateRounds, 1e6 - 1);
  assert.deepEqual(far.stopReasons, ["max-iters", "max-factor"]);
  assert.equal(far.iterativePagesSent, 1e9);
  // Negative control: a factor one round further off leaves max-iters alone.
  const iters = precopyMigration({
    ...options,
    policy: xen4({ maxIters: 1e6, maxFactor: 1e6 }),
    recordRounds: false,
  });
  assert.deepEqual(iters.stopReasons, ["max-iters"]);
});

Deno.test("xen4: no cap can be written (Infinity), and a huge cap returns at once", () => {
  const uncapped = xen4({ maxIters: Infinity, maxFactor: Infinity });
  assert.deepEqual(uncapped.conditions.map((c) => c.kind), [
    "sent-and-skipped-below",
  ]);
  // The paper profile's 730 hot pages keep sent + skipped >= 50 for ever:
  // without the caps it cannot stop, and says so after one round.
  const hot = precopyMigration({
    memoryPages: 32768,
    dirty: [hotSet(730)],
    policy: uncapped,
  });
  assert.equal(hot.converged, false);
  assert.equal(hot.nonConvergence, "cannot-stop");
  assert.equal(hot.iterations, 1);
  // No iteration cap alone: the volume cap ends it (3 x 32768 / 730 rounds).
  const volume = precopyMigration({
    memoryPages: 32768,
    dirty: [hotSet(730)],
    policy: xen4({ maxIters: Infinity }),
  });
  assert.deepEqual(volume.stopReasons, ["max-factor"]);
  assert.equal(
    volume.iterativePagesSent,
    32768 + 730 * (volume.iterations - 1),
  );
  assert.ok(volume.iterativePagesSent > 3 * 32768);
  assert.ok(volume.iterativePagesSent - 730 <= 3 * 32768);
  // Number.MAX_SAFE_INTEGER as a cap (the old way to say "none") returns:
  // the rounds past the fixed point are counted, not simulated.
  const huge = precopyMigration({
    memoryPages: 32768,
    dirty: [hotSet(730)],
    policy: xen4({ maxIters: Number.MAX_SAFE_INTEGER, maxFactor: Infinity }),
  });
  assert.deepEqual(huge.stopReasons, ["max-iters"]);
  assert.equal(huge.iterations, Number.MAX_SAFE_INTEGER);
  assert.ok(huge.rounds.length <= 3);
  assert.ok(Number.isFinite(huge.totalSeconds));
});

Deno.test("xen4: bad options are errors naming the option, its value and range", () => {
  assert.throws(
    () => xen4({ maxIters: 0 }),
    /xen4 options.maxIters \(Infinity: no cap\) must be an integer in \[1,.*got 0/,
  );
  assert.throws(
    () => xen4({ maxFactor: -1 }),
    /xen4 options.maxFactor .*must be a finite number in \[0, \+inf\); got -1/,
  );
  assert.throws(
    () => xen4({ maxIters: NaN }),
    /xen4 options.maxIters .*got NaN/,
  );
  assert.throws(
    () => xen4({ minPages: Infinity }),
    /xen4 options.minPages must be a finite number in \[0, \+inf\); got Infinity/,
  );
  assert.throws(
    () => xen4({ adaptiveSave: { startMbitPerSecond: 0 } }),
    /startMbitPerSecond must be an integer in \[1,.*got 0/,
  );
  assert.throws(
    () => xen4({ adaptiveSave: { maxMbit: 5 } as never }),
    /no option "maxMbit"; did you mean "maxMbitPerSecond"/,
  );
  assert.throws(() => xen4({ maxIter: 3 } as never), /did you mean "maxIters"/);
});
