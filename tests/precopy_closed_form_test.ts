import assert from "node:assert/strict";
import fc from "fast-check";
import {
  closedFormPrecopy,
  closedFormRounds,
  composePolicy,
  hotSet,
  linkPagesPerSecond,
  precopyMigration,
  QEMU,
  roundRobinWrites,
  XEN4,
  xen4,
} from "../src/precopy/mod.ts";

Deno.test("closed form: exact agreement with the whole-page engine on binary inputs (lambda = 1/2)", () => {
  const R = linkPagesPerSecond(2 ** 30);
  assert.equal(R, 32768);
  const inputs = {
    memoryPages: 2 ** 20,
    dirtyPagesPerSecond: 2 ** 14,
    linkPagesPerSecond: R,
  };
  const engine = precopyMigration({
    memoryPages: 2 ** 20,
    perPageOverheadBytes: 0,
    linkBitsPerSecond: 2 ** 30,
    dirty: roundRobinWrites({ pagesPerSecond: 2 ** 14 }),
  });
  const n = closedFormRounds(inputs);
  assert.equal(engine.iterations, n.iterativeRounds);
  assert.deepEqual(engine.stopReasons, n.stopReasons);
  const cf = closedFormPrecopy({
    ...inputs,
    iterativeRounds: n.iterativeRounds,
  });
  assert.ok(cf.valid);
  assert.equal(engine.iterativePagesSent, cf.iterativePages);
  assert.equal(engine.stopAndCopyPages, cf.stopAndCopyPages);
  assert.equal(engine.totalBytesSent, cf.totalPages * 4096);
  assert.equal(engine.iterativeSeconds, cf.iterativeSeconds);
  assert.equal(engine.downtimeSeconds, cf.downtimeSeconds);
  engine.rounds.forEach((r, i) => assert.equal(r.pagesSent, 2 ** (20 - i)));
});

Deno.test("closed form: agreement with the fluid engine for any lambda < 1, under Xen's conditions and a threshold's", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1000, max: 500_000 }),
      fc.double({ min: 0, max: 0.95, noNaN: true }),
      fc.double({ min: 1e7, max: 1e10, noNaN: true }),
      fc.boolean(),
      (memoryPages, lambda, link, threshold) => {
        const R = linkPagesPerSecond(link);
        const D = lambda * R;
        // Liu et al.'s rounds: all sent, no skipping, fluid pages.
        const policy = threshold
          ? composePolicy(QEMU, {
            roundEnd: { kind: "all-sent" },
            maxBandwidthBytesPerSecond: Infinity,
            perPageOverheadBytes: 0,
          })
          : composePolicy(XEN4, { skipBatchPages: 0 });
        const engine = precopyMigration({
          policy,
          accounting: "bytes",
          perPageOverheadBytes: 0,
          memoryPages,
          linkBitsPerSecond: link,
          dirty: roundRobinWrites({ pagesPerSecond: D }),
        });
        const inputs = {
          memoryPages,
          dirtyPagesPerSecond: D,
          linkPagesPerSecond: R,
        };
        const n = closedFormRounds({ ...inputs, policy });
        assert.equal(engine.iterations, n.iterativeRounds);
        assert.deepEqual(engine.stopReasons, n.stopReasons);
        const cf = closedFormPrecopy({
          ...inputs,
          iterativeRounds: n.iterativeRounds,
        });
        const close = (a: number, b: number) =>
          Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
        assert.ok(close(engine.iterativePagesSent, cf.iterativePages));
        assert.ok(close(engine.stopAndCopyPages, cf.stopAndCopyPages));
        assert.ok(close(engine.totalSeconds, cf.totalSeconds));
      },
    ),
    { numRuns: 300, seed: 11 },
  );
});

Deno.test("closed form vs engine: the engine's hot set keeps Xen iterating where the closed form stops (a negative control)", () => {
  const engine = precopyMigration({
    memoryPages: 2 ** 20,
    perPageOverheadBytes: 0,
    linkBitsPerSecond: 2 ** 30,
    dirty: [roundRobinWrites({ pagesPerSecond: 2 ** 14 }), hotSet(100)],
  });
  assert.deepEqual(engine.stopReasons, ["max-iters"]);
  const n = closedFormRounds({
    memoryPages: 2 ** 20,
    dirtyPagesPerSecond: 2 ** 14,
    linkPagesPerSecond: 32768,
  });
  assert.notEqual(engine.iterations, n.iterativeRounds);
});

Deno.test("closed form: valid only for lambda < 1, and says so; never above memory, never Infinity", () => {
  // lambda = 1, 2, 1000 exactly, about 977, and absurd.
  for (const D of [1024, 2048, 1024 * 1000, 1e6, 1e300]) {
    const r = closedFormPrecopy({
      memoryPages: 1024,
      dirtyPagesPerSecond: D,
      linkPagesPerSecond: 1024,
      iterativeRounds: 29,
    });
    assert.equal(r.valid, false);
    assert.match(r.note, /lambda >= 1: the closed form does not apply/);
    assert.equal(r.stopAndCopyPages, 1024);
    assert.equal(r.totalPages, 30 * 1024);
    assert.equal(r.stopAndCopySeconds, 1);
    for (const v of Object.values(r)) {
      if (typeof v === "number") assert.ok(Number.isFinite(v));
    }
  }
  // lambda = 1000 under the policies: Xen's volume cap stops it after 4
  // rounds; SimGrid's time-out cuts it after 10^7 - 1 rounds of 1 s.
  const thousand = {
    memoryPages: 1024,
    dirtyPagesPerSecond: 1024 * 1000,
    linkPagesPerSecond: 1024,
  };
  assert.equal(closedFormRounds(thousand).lambda, 1000);
  assert.deepEqual(closedFormRounds(thousand).stopReasons, ["max-factor"]);
  const sg = closedFormRounds({ ...thousand, policy: "simgrid" });
  assert.equal(sg.converged, false);
  assert.equal(sg.iterativeRounds, 1e7 - 1);
  // Finite inputs whose figures overflow a double are an error, not an
  // Infinity.
  assert.throws(
    () =>
      closedFormPrecopy({
        memoryPages: 1e300,
        dirtyPagesPerSecond: 2,
        linkPagesPerSecond: 1,
        iterativeRounds: 1e9,
      }),
    /the closed form overflows: .*memoryPages = 1e\+300, iterativeRounds = 1000000000/,
  );
  const ok = closedFormPrecopy({
    memoryPages: 1024,
    dirtyPagesPerSecond: 1023,
    linkPagesPerSecond: 1024,
    iterativeRounds: 29,
  });
  assert.equal(ok.valid, true);
  assert.equal(ok.note, "");
  // The rounds of a policy with caps stop; without caps they never do.
  const fast = {
    memoryPages: 1024,
    dirtyPagesPerSecond: 2048,
    linkPagesPerSecond: 1024,
  };
  assert.deepEqual(closedFormRounds(fast).stopReasons, ["max-factor"]);
  assert.equal(closedFormRounds(fast).iterativeRounds, 4);
  const qemuNever = closedFormRounds({ ...fast, policy: "qemu" });
  assert.equal(qemuNever.converged, false);
  assert.match(qemuNever.note, /no stop condition ever holds/);
});

Deno.test("closed form: bad input and policies it cannot express", () => {
  assert.throws(
    () =>
      closedFormPrecopy({
        memoryPages: 0,
        dirtyPagesPerSecond: 1,
        linkPagesPerSecond: 1,
        iterativeRounds: 1,
      }),
    /memoryPages must be .*\(0, \+inf\); got 0/,
  );
  assert.throws(
    () =>
      closedFormPrecopy({
        memoryPages: 1,
        dirtyPagesPerSecond: 1,
        linkPagesPerSecond: 1,
        iterativeRounds: -1,
      }),
    /iterativeRounds must be an integer/,
  );
  assert.throws(
    () =>
      closedFormRounds({
        memoryPages: 1,
        dirtyPagesPerSecond: 1,
        linkPagesPerSecond: 1,
        policy: xen4({ adaptiveSave: true }),
      }),
    /policy.rateLimiter must be null for the closed form/,
  );
  assert.throws(() => linkPagesPerSecond(0), /linkBitsPerSecond/);
  assert.throws(
    () => linkPagesPerSecond(1e9, { perPageOverhead: 8 } as never),
    /did you mean "perPageOverheadBytes"/,
  );
});
