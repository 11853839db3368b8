import assert from "node:assert/strict";
import fc from "fast-check";
import {
  closedFormPrecopy,
  closedFormRounds,
  dirtyModel,
  eventsBefore,
  linkPagesPerSecond,
  precopyMigration,
  type PrecopyOptions,
  uniqueDirtyPages,
} from "../src/xen/mod.ts";

// ---------------------------------------------------------------- dirty model

// Brute force: every write event enumerated one by one, pages put in a Set.
function bruteUnique(
  o: {
    hotPages: number;
    backgroundPagesPerSecond: number;
    backgroundWorkingSetPages: number;
    forwardedPacketsPerSecond: number;
    bufferPoolPages: number;
    bufferPagesPerPacket: number;
  },
  from: number,
  to: number,
): number {
  const pages = new Set<string>();
  for (let h = 0; h < o.hotPages; h++) pages.add(`h${h}`);
  if (o.backgroundPagesPerSecond > 0) {
    for (let k = 0; k / o.backgroundPagesPerSecond < to; k++) {
      if (k / o.backgroundPagesPerSecond >= from) {
        pages.add(`c${k % o.backgroundWorkingSetPages}`);
      }
    }
  }
  if (o.forwardedPacketsPerSecond > 0) {
    let cursor = 0;
    for (let j = 0; j / o.forwardedPacketsPerSecond < to; j++) {
      for (let i = 0; i < o.bufferPagesPerPacket; i++) {
        const page = cursor++ % o.bufferPoolPages;
        if (j / o.forwardedPacketsPerSecond >= from) pages.add(`b${page}`);
      }
    }
  }
  return pages.size;
}

Deno.test("dirty model: unique pages equal brute-force enumeration of every write", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 1, max: 300 }),
      fc.double({ min: 0, max: 500, noNaN: true }),
      fc.integer({ min: 0, max: 64 }),
      fc.double({ min: 0, max: 300, noNaN: true }),
      fc.integer({ min: 1, max: 3 }),
      fc.double({ min: 0, max: 2, noNaN: true }),
      fc.double({ min: 0, max: 2, noNaN: true }),
      (hot, ws, bg, pool, pps, perPacket, a, b) => {
        const memoryPages = hot + ws + pool + 7;
        const o = {
          hotPages: hot,
          backgroundPagesPerSecond: bg,
          backgroundWorkingSetPages: ws,
          forwardedPacketsPerSecond: pool > 0 ? pps : 0,
          bufferPoolPages: pool,
          bufferPagesPerPacket: perPacket,
        };
        const model = dirtyModel(memoryPages, o);
        const from = Math.min(a, b);
        const to = Math.max(a, b);
        const count = uniqueDirtyPages(model, from, to);
        assert.equal(count.totalPages, bruteUnique(o, from, to));
        assert.equal(
          count.totalPages,
          count.hotPages + count.backgroundPages + count.bufferPages,
        );
      },
    ),
    { numRuns: 300, seed: 7 },
  );
});

Deno.test("dirty model: a page written twice counts once; pools saturate", () => {
  const m = dirtyModel(10_000, {
    bufferPoolPages: 512,
    backgroundPagesPerSecond: 1000,
    backgroundWorkingSetPages: 300,
    forwardedPacketsPerSecond: 100,
    bufferPagesPerPacket: 2,
  });
  // 1000 background writes over a 300-page cycle touch 300 pages.
  assert.equal(uniqueDirtyPages(m, 0, 1).backgroundPages, 300);
  assert.equal(uniqueDirtyPages(m, 0, 0.25).backgroundPages, 250);
  // 100 packets x 2 pages = 200 < 512; 10 s of packets = 2000 > 512.
  assert.equal(uniqueDirtyPages(m, 0, 1).bufferPages, 200);
  assert.equal(uniqueDirtyPages(m, 0, 10).bufferPages, 512);
  // Half-open intervals: events at 0, 0.001, ... -> [0, 0.003) holds 3.
  assert.equal(eventsBefore(1000, 0.003), 3);
  assert.equal(uniqueDirtyPages(m, 0.5, 0.5).totalPages, 0);
});

Deno.test("dirty model: bad input is a RangeError naming the parameter", () => {
  assert.throws(() => dirtyModel(0), /memoryPages.*got 0/);
  assert.throws(
    () => dirtyModel(100, { hotPages: 90, bufferPoolPages: 20 }),
    /hotPages \+ dirty.bufferPoolPages/,
  );
  assert.throws(
    () => dirtyModel(1000, { backgroundPagesPerSecond: NaN }),
    /backgroundPagesPerSecond.*NaN/,
  );
  assert.throws(
    () => dirtyModel(1000, { forwardedPacketsPerSecond: Infinity }),
    /forwardedPacketsPerSecond/,
  );
  assert.throws(
    () => dirtyModel(1000, { backgroundWorkingSetPages: 999 }),
    /backgroundWorkingSetPages.*\[0, 488\]/,
  );
  const m = dirtyModel(1000);
  assert.throws(() => uniqueDirtyPages(m, 1, 0.5), /toSeconds/);
});

// ---------------------------------------------------------- closed form

// lambda = 1/2, every quantity a binary fraction: the integer engine and the
// real-valued closed form compute the same numbers.
const EXACT: PrecopyOptions = {
  memoryPages: 2 ** 20,
  pageSizeBytes: 4096,
  perPageOverheadBytes: 0,
  linkBitsPerSecond: 2 ** 30, // 32768 pages/s
  dirty: { bufferPoolPages: 0, backgroundPagesPerSecond: 2 ** 14 },
};

for (const stopTest of ["xen", "next-round"] as const) {
  Deno.test(`closed form: exact agreement under its assumptions (stopTest ${stopTest})`, () => {
    const engine = precopyMigration({ ...EXACT, stopTest });
    const R = linkPagesPerSecond(2 ** 30, 4096, 0);
    assert.equal(R, 32768);
    const n = closedFormRounds(2 ** 20, 0.5, { stopTest });
    assert.equal(engine.iterations, n.iterativeRounds);
    assert.equal(engine.stopReason, n.stopReason);
    assert.equal(engine.stopReason, "few-dirty-pages");
    const cf = closedFormPrecopy({
      memoryPages: 2 ** 20,
      dirtyPagesPerSecond: 2 ** 14,
      linkPagesPerSecond: R,
      iterativeRounds: n.iterativeRounds,
    });
    assert.equal(engine.iterativePagesSent, cf.iterativePages);
    assert.equal(engine.stopAndCopyPages, cf.stopAndCopyPages);
    assert.equal(
      engine.iterativePagesSent + engine.stopAndCopyPages,
      cf.totalPages,
    );
    assert.equal(engine.totalBytesSent, cf.totalPages * 4096);
    assert.equal(engine.iterativeSeconds, cf.iterativeSeconds);
    assert.equal(engine.downtimeSeconds, cf.downtimeSeconds);
    assert.equal(engine.totalSeconds, cf.totalSeconds);
    // Round by round: V_mem lambda^(i-1).
    engine.rounds.forEach((r, i) => assert.equal(r.pagesSent, 2 ** (20 - i)));
  });
}

Deno.test("closed form: Xen's off-by-one gives one more round and a stop-and-copy lambda times smaller", () => {
  const xen = precopyMigration({ ...EXACT, stopTest: "xen" });
  const next = precopyMigration({ ...EXACT, stopTest: "next-round" });
  // 2^20 / 2^i < 50 first for i = 15 (32 pages dirtied in round 15).
  assert.equal(next.iterations, 15);
  assert.equal(next.stopAndCopyPages, 32);
  // Xen tests what round 16 sent (32 < 50), so it does one more round.
  assert.equal(xen.iterations, 16);
  assert.equal(xen.stopAndCopyPages, 16);
  assert.equal(xen.rounds.at(-1)!.pagesSent, 32);
});

Deno.test("closed form: agreement within page rounding for any uniform rate below the link", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1000, max: 200_000 }),
      fc.double({ min: 0, max: 0.9, noNaN: true }),
      fc.double({ min: 1e7, max: 1e10, noNaN: true }),
      (memoryPages, lambda, linkBitsPerSecond) => {
        const R = linkPagesPerSecond(linkBitsPerSecond, 4096, 8);
        const D = lambda * R;
        const engine = precopyMigration({
          memoryPages,
          linkBitsPerSecond,
          dirty: { bufferPoolPages: 0, backgroundPagesPerSecond: D },
        });
        const cf = closedFormPrecopy({
          memoryPages,
          dirtyPagesPerSecond: D,
          linkPagesPerSecond: R,
          iterativeRounds: engine.iterations,
        });
        // Each round's dirty count is the real D*T rounded to whole write
        // events (error < 1); errors decay by lambda each round.
        const bound = (engine.iterations + 1) / (1 - lambda);
        const total = engine.iterativePagesSent + engine.stopAndCopyPages;
        assert.ok(Math.abs(total - cf.totalPages) <= bound);
        assert.ok(
          Math.abs(engine.stopAndCopyPages - cf.stopAndCopyPages) <=
            1 / (1 - lambda),
        );
      },
    ),
    { numRuns: 200, seed: 11 },
  );
});

Deno.test("closed form vs engine: a hot set keeps Xen iterating and is sent at the end", () => {
  // 100 hot pages: Xen counts them as skipped in every round, so
  // sent + skipped never drops below 50: the engine runs to 29 rounds and
  // stop-and-copy carries the hot set. The closed form, which has no hot
  // set, predicts few-dirty-pages after a handful of rounds and a
  // stop-and-copy that shrinks towards zero.
  const options: PrecopyOptions = {
    ...EXACT,
    dirty: { ...EXACT.dirty, hotPages: 100 },
  };
  const engine = precopyMigration(options);
  assert.equal(engine.stopReason, "max-iterations");
  assert.equal(engine.iterations, 29);
  assert.ok(engine.rounds.slice(1).every((r) => r.pagesSkipped === 100));
  assert.equal(engine.rounds[0].pagesSent, 2 ** 20 - 100);
  assert.ok(engine.stopAndCopyPages >= 100);
  const n = closedFormRounds(2 ** 20, 0.5);
  assert.equal(n.stopReason, "few-dirty-pages");
  const cf = closedFormPrecopy({
    memoryPages: 2 ** 20,
    dirtyPagesPerSecond: 2 ** 14,
    linkPagesPerSecond: 32768,
    iterativeRounds: 29,
  });
  assert.ok(cf.stopAndCopyPages < 1);
  assert.ok(engine.stopAndCopyPages > 100 * cf.stopAndCopyPages);
});

Deno.test("closed form vs engine: a bounded working set caps what the closed form lets grow", () => {
  // lambda = 2 > 1: the closed form's rounds double; the engine's dirty set
  // cannot exceed the 2000-page working set the cursor cycles over.
  const engine = precopyMigration({
    memoryPages: 10_000,
    perPageOverheadBytes: 0,
    linkBitsPerSecond: 4096 * 8 * 1000, // 1000 pages/s
    dirty: {
      bufferPoolPages: 0,
      backgroundPagesPerSecond: 2000,
      backgroundWorkingSetPages: 2000,
    },
  });
  assert.ok(engine.rounds.every((r) => r.pagesDirtied <= 2000));
  const cf = closedFormPrecopy({
    memoryPages: 10_000,
    dirtyPagesPerSecond: 2000,
    linkPagesPerSecond: 1000,
    iterativeRounds: engine.iterations,
  });
  assert.equal(cf.lambda, 2);
  assert.ok(cf.totalPages > 10 * engine.totalBytesSent / 4096);
  assert.ok(Number.isFinite(cf.totalPages));
});

// ---------------------------------------------------------- stop conditions

Deno.test("stop condition few-dirty-pages: a slow writer converges", () => {
  const r = precopyMigration({
    memoryPages: 32768,
    linkBitsPerSecond: 1e9,
    dirty: { bufferPoolPages: 0, backgroundPagesPerSecond: 500 },
  });
  assert.equal(r.stopReason, "few-dirty-pages");
  const last = r.rounds.at(-1)!;
  assert.ok(last.pagesSent + last.pagesSkipped < 50);
  assert.ok(
    r.rounds.slice(0, -1).every((x) => x.pagesSent + x.pagesSkipped >= 50),
  );
  assert.ok(r.iterations < 29);
});

Deno.test("stop condition max-iterations: a hot set of 50+ pages never lets sent+skipped fall below 50", () => {
  const r = precopyMigration({
    memoryPages: 32768,
    linkBitsPerSecond: 1e9,
    dirty: { bufferPoolPages: 0, hotPages: 50, backgroundPagesPerSecond: 500 },
  });
  assert.equal(r.stopReason, "max-iterations");
  assert.equal(r.iterations, 29);
  assert.equal(r.rounds.length, 29);
  const custom = precopyMigration({
    memoryPages: 32768,
    maxIterations: 5,
    dirty: { bufferPoolPages: 0, hotPages: 50 },
  });
  assert.equal(custom.iterations, 5);
  assert.equal(custom.stopReason, "max-iterations");
});

Deno.test("stop condition max-sent: a writer as fast as the link sends 3x memory", () => {
  // lambda = 1 over the whole memory: every round resends all 1000 pages;
  // after round 4 the total (4000) exceeds 3 x 1000.
  const r = precopyMigration({
    memoryPages: 1000,
    perPageOverheadBytes: 0,
    linkBitsPerSecond: 4096 * 8 * 1000,
    dirty: { bufferPoolPages: 0, backgroundPagesPerSecond: 1000 },
  });
  assert.equal(r.stopReason, "max-sent");
  assert.equal(r.iterations, 4);
  assert.equal(r.iterativePagesSent, 4000);
  assert.equal(r.stopAndCopyPages, 1000);
  assert.ok(Number.isFinite(r.totalSeconds));
});

Deno.test("never loops forever, never NaN: a dirty rate far above the link", () => {
  const r = precopyMigration({
    memoryPages: 1000,
    linkBitsPerSecond: 1,
    maxSentFactor: 1e9,
    dirty: { bufferPoolPages: 0, backgroundPagesPerSecond: 1e12 },
  });
  assert.equal(r.stopReason, "max-iterations");
  for (const v of Object.values(r)) {
    if (typeof v === "number") assert.ok(Number.isFinite(v));
  }
});

// ------------------------------------------------------------ mechanisms

Deno.test("network buffers are sent in the final round, saturating at the pool", () => {
  const base: PrecopyOptions = {
    memoryPages: 32768,
    linkBitsPerSecond: 1e9,
    dirty: { hotPages: 60, bufferPoolPages: 512, forwardedPacketsPerSecond: 0 },
  };
  const idle = precopyMigration(base);
  const busy = precopyMigration({
    ...base,
    dirty: { ...base.dirty, forwardedPacketsPerSecond: 10_000 },
  });
  assert.equal(idle.stopAndCopyBufferPages, 0);
  assert.equal(busy.stopAndCopyBufferPages, 512);
  assert.equal(busy.stopAndCopyPages - idle.stopAndCopyPages, 512);
  // Buffers never appear in an iterative round's sent pages.
  assert.deepEqual(
    busy.rounds.map((r) => r.pagesSent),
    idle.rounds.map((r) => r.pagesSent),
  );
  // Few packets: only the pages they wrote.
  const few = precopyMigration({
    ...base,
    dirty: { ...base.dirty, forwardedPacketsPerSecond: 10 },
  });
  const packets = eventsBefore(10, few.iterativeSeconds) -
    eventsBefore(10, few.setupSeconds);
  assert.equal(few.stopAndCopyBufferPages, packets);
});

Deno.test("rate limiter: off by default; 100 Mbit/s + 50 per round, capped at 500 and at the link", () => {
  const dirty = { bufferPoolPages: 0, hotPages: 60 };
  const off = precopyMigration({ linkBitsPerSecond: 1e9, dirty });
  assert.ok(off.rounds.every((r) => r.bitsPerSecond === 1e9));
  const on = precopyMigration({
    linkBitsPerSecond: 1e9,
    dirty,
    rateLimiter: true,
  });
  assert.deepEqual(
    on.rounds.slice(0, 11).map((r) => r.bitsPerSecond / 1e6),
    [100, 150, 200, 250, 300, 350, 400, 450, 500, 500, 500],
  );
  const slowLink = precopyMigration({
    linkBitsPerSecond: 2e8,
    dirty,
    rateLimiter: true,
  });
  assert.deepEqual(
    slowLink.rounds.slice(0, 4).map((r) => r.bitsPerSecond / 1e6),
    [100, 150, 200, 200],
  );
  // Round 1 is slower under the limiter: 10x at 100 Mbit/s vs 1 Gbit/s.
  assert.equal(
    on.rounds[0].durationSeconds.toFixed(9),
    (off.rounds[0].durationSeconds * 10).toFixed(9),
  );
  // Stop-and-copy runs at the link rate either way.
  assert.equal(on.stopAndCopySeconds, on.stopAndCopyPages * 4104 * 8 / 1e9);
});

Deno.test("invariants over random inputs: finite, bounded, consistent, deterministic", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2000, max: 100_000 }),
      fc.integer({ min: 0, max: 500 }),
      fc.double({ min: 0, max: 1e6, noNaN: true }),
      fc.double({ min: 0, max: 1e5, noNaN: true }),
      fc.double({ min: 1e6, max: 1e10, noNaN: true }),
      fc.boolean(),
      fc.double({ min: 0, max: 0.01, noNaN: true }),
      (memoryPages, hotPages, bg, pps, link, limiter, overhead) => {
        const options: PrecopyOptions = {
          memoryPages,
          linkBitsPerSecond: link,
          rateLimiter: limiter,
          roundOverheadSeconds: overhead,
          resumeSeconds: 0.01,
          setupSeconds: 0.1,
          stateBytes: 1000,
          dirty: {
            hotPages,
            backgroundPagesPerSecond: bg,
            forwardedPacketsPerSecond: pps,
          },
        };
        const r = precopyMigration(options);
        assert.deepEqual(precopyMigration(options), r);
        for (const v of Object.values(r)) {
          if (typeof v === "number") assert.ok(Number.isFinite(v));
        }
        assert.ok(r.iterations >= 1 && r.iterations <= 29);
        assert.ok(r.downtimeSeconds <= r.totalSeconds);
        assert.ok(r.stopAndCopyPages <= memoryPages);
        let t = r.setupSeconds;
        for (const round of r.rounds) {
          assert.equal(round.startSeconds, t);
          t += round.durationSeconds;
        }
        assert.equal(t, r.iterativeSeconds);
        const sent = r.rounds.reduce((s, x) => s + x.pagesSent, 0);
        assert.equal(sent, r.iterativePagesSent);
        assert.equal(
          r.totalBytesSent,
          ((sent + r.stopAndCopyPages) * 4104 * 8 + 8000) / 8,
        );
        // Each round sends what the previous one dirtied, minus the hot set.
        for (let i = 1; i < r.rounds.length; i++) {
          assert.equal(
            r.rounds[i].pagesSent + r.rounds[i].pagesSkipped,
            r.rounds[i - 1].pagesDirtied,
          );
        }
        assert.equal(
          r.stopAndCopyPages - r.stopAndCopyBufferPages,
          r.rounds.at(-1)!.pagesDirtied,
        );
      },
    ),
    { numRuns: 200, seed: 3 },
  );
});

Deno.test("bad input: RangeError naming parameter, value and range", () => {
  assert.throws(
    () => precopyMigration({ memoryPages: 0 }),
    /memoryPages.*\[1,.*got 0/,
  );
  assert.throws(
    () => precopyMigration({ memoryBytes: 0 }),
    /memoryBytes.*\(0, \+inf\); got 0/,
  );
  assert.throws(
    () => precopyMigration({ linkBitsPerSecond: 0 }),
    /linkBitsPerSecond.*got 0/,
  );
  assert.throws(
    () => precopyMigration({ linkBitsPerSecond: NaN }),
    /linkBitsPerSecond.*NaN/,
  );
  assert.throws(
    () => precopyMigration({ linkBitsPerSecond: Infinity }),
    /linkBitsPerSecond.*Infinity/,
  );
  assert.throws(() => precopyMigration({ maxIterations: 0 }), /maxIterations/);
  assert.throws(
    () => precopyMigration({ maxIterations: 2.5 }),
    /maxIterations/,
  );
  assert.throws(
    () => precopyMigration({ resumeSeconds: -1 }),
    /resumeSeconds.*-1/,
  );
  assert.throws(
    () => precopyMigration({ stopTest: "other" as "xen" }),
    /stopTest must be one of "xen", "next-round"/,
  );
  assert.throws(
    () => precopyMigration({ rateLimiter: { startBitsPerSecond: 0 } }),
    /rateLimiter.startBitsPerSecond/,
  );
  assert.throws(
    () =>
      closedFormPrecopy({
        memoryPages: 0,
        dirtyPagesPerSecond: 1,
        linkPagesPerSecond: 1,
        iterativeRounds: 1,
      }),
    /memoryPages/,
  );
  assert.throws(
    () =>
      closedFormPrecopy({
        memoryPages: 10,
        dirtyPagesPerSecond: 1e300,
        linkPagesPerSecond: 1e-300,
        iterativeRounds: 29,
      }),
    /iterativeRounds must keep/,
  );
  assert.throws(() => linkPagesPerSecond(0), /linkBitsPerSecond/);
});

Deno.test("recordRounds: false changes nothing but the trace; memoryBytes rounds up to pages", () => {
  const options: PrecopyOptions = {
    memoryBytes: 100 * 4096 + 1,
    dirty: { bufferPoolPages: 0, hotPages: 60, backgroundPagesPerSecond: 1e5 },
  };
  const full = precopyMigration(options);
  const lean = precopyMigration({ ...options, recordRounds: false });
  assert.equal(full.memoryPages, 101);
  assert.equal(lean.rounds.length, 0);
  assert.deepEqual({ ...lean, rounds: full.rounds }, full);
});
